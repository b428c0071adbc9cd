// The API's shapes the console reads (a subset of GET /v1/openapi.json).

export type { Config, Run } from "./lib/configTypes";
export { RUN_STATUSES, TRIGGER_SOURCES } from "./lib/configTypes";

export interface Schema {
  id: number;
  version: number;
  dimension_fields: string[];
  metric_fields: string[];
  fields: { name: string; unit?: string | null; direction?: string | null }[];
  generated_by: string;
  is_active: boolean;
}

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

