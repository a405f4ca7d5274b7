/** Names of variables that hold credentials by convention (OPENAI_API_KEY, GITHUB_TOKEN, DB_PASSWORD, ...). */
const secretName = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH/i;

/** The values of an environment's credential-like variables: what a cassette must never hold. */
export const envSecrets = (env: Readonly<Record<string, string | undefined>>): string[] =>
  Object.entries(env).flatMap(([name, value]) => (value !== undefined && secretName.test(name) ? [value] : []));
