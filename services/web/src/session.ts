// Who the console is: the token's role, from GET /session.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Session } from "./api";

export const SessionContext = createContext<Session | null>(null);
export const useSession = () => useContext(SessionContext);
