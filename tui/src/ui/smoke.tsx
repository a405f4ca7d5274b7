export function Smoke(props: { label: string }) {
  return (
    <box border>
      <text>{props.label}</text>
    </box>
  )
}
