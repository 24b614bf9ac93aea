// Where the stacks send pages and tickets: the alert log, unless both webhook secrets are set; one
// without the other is refused with the key that is missing.
import * as pulumi from "@pulumi/pulumi";
import { alertWebhooks, WEBHOOK_SECRETS } from "./src/monitoring";

test("webhooks come from the stack's secrets, both or neither", () => {
  expect(alertWebhooks("staging", () => undefined)).toBeUndefined();
  const both = alertWebhooks("staging", (key) => pulumi.output(`https://hooks.example/${key}`));
  expect(both && Object.keys(both)).toEqual(["page", "ticket"]);
  expect(() => alertWebhooks("production", (key) => (key === WEBHOOK_SECRETS.page ? pulumi.output("https://pager.example/k") : undefined))).toThrow(
    "stacks/Pulumi.production.yaml: sophia:alertTicketWebhookUrl: sophia:alertPageWebhookUrl is set, so pages and tickets leave the node; expected this secret too (pulumi config set --secret sophia:alertTicketWebhookUrl <webhook URL> --stack production); got nothing",
  );
});
