import { test } from "vitest";
test.todo("cross-process tests arrive with the wire server");
