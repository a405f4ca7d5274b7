import { test, expect } from "bun:test"
import { testRender } from "@opentui/solid"
import { Smoke } from "../src/ui/smoke.tsx"

test("renders", async () => {
  const t = await testRender(() => <Smoke label="hello" />, { width: 20, height: 5 })
  await t.renderOnce()
  const frame = t.captureCharFrame()
  expect(frame).toContain("hello")
  console.log(frame)
})
