/** The sidecar fixture's chart, on a script whose replies mix CJK, emoji and long English words. */
export { default } from "../fixture/chart.js";
