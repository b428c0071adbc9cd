// The API's shapes the console reads (a subset of GET /v1/openapi.json).

export type { Config, MetricSchema as Schema, Run } from "./lib/configTypes";
export { RUN_STATUSES, TRIGGER_SOURCES } from "./lib/configTypes";

export interface TrendPoint {
  time: string;
  value: number | null;
  count: number;
}

export interface TrendSeries {
  group: Record<string, unknown>;
  metric: string;
  points: TrendPoint[];
}

