/** Colours, or none at all when NO_COLOR is set (https://no-color.org). */
import { createContext, useContext } from "solid-js";
import type { Lane } from "../domain/index.ts";

/** A colour, or undefined for the terminal's default. */
type Colour = string | undefined;

export interface Theme {
  readonly text: Colour;
  readonly dim: Colour;
  readonly accent: Colour;
  readonly ok: Colour;
  readonly warn: Colour;
  readonly error: Colour;
  readonly border: Colour;
  readonly selectedBg: Colour;
  readonly lanes: Readonly<Record<Lane, Colour>>;
}

export const COLOR_THEME: Theme = {
  text: "#d0d0d0",
  dim: "#808080",
  accent: "#5fafff",
  ok: "#5fd75f",
  warn: "#d7af5f",
  error: "#ff5f5f",
  border: "#585858",
  selectedBg: "#303a4a",
  lanes: { chart: "#5fafff", llm: "#d0d0d0", tool: "#af87ff", human: "#5fd7af", debug: "#d7af5f", error: "#ff5f5f" },
};

export const PLAIN_THEME: Theme = {
  text: undefined,
  dim: undefined,
  accent: undefined,
  ok: undefined,
  warn: undefined,
  error: undefined,
  border: undefined,
  selectedBg: undefined,
  lanes: { chart: undefined, llm: undefined, tool: undefined, human: undefined, debug: undefined, error: undefined },
};

/** NO_COLOR set to anything but the empty string turns colour off. */
export const themeFor = (env: Readonly<Record<string, string | undefined>>): Theme =>
  env.NO_COLOR !== undefined && env.NO_COLOR !== "" ? PLAIN_THEME : COLOR_THEME;

export const ThemeContext = createContext<Theme>(COLOR_THEME);
export const useTheme = (): Theme => useContext(ThemeContext);
