import { createSignal } from "solid-js";
import { MAX_STEER_CHARS } from "@escapement/wire-schema/runtime";

/** A one-line message for a running conversation; the model gets it at its next step. */
export function SteerInput(props: { send: (text: string) => void }) {
  const [text, setText] = createSignal("");
  return (
    <form
      class="steer"
      onSubmit={(event) => {
        event.preventDefault();
        const message = text().trim();
        if (message === "") return;
        props.send(message);
        setText("");
      }}
    >
      <input
        type="text"
        data-testid="steer-text"
        placeholder="message for this conversation"
        maxLength={MAX_STEER_CHARS}
        value={text()}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <button type="submit">Send</button>
    </form>
  );
}
