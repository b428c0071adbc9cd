// The config picker of the list pages: "all" (or a prompt) and each config by name.
import type { Config } from "../types";

export function ConfigSelect(props: { value: string; configs: Pick<Config, "id" | "name">[] | undefined; none?: string; onChange: (id: string) => void }) {
  return (
    <label>
      Config
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value="">{props.none ?? "all"}</option>
        {props.configs?.map((c) => (
          <option key={c.id} value={String(c.id)}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
  );
}
