import { Command, Option } from "commander";
import { addToken } from "../../app/tokens.js";
import { VISIBILITIES } from "../../contract/event.js";
import { SCOPES } from "../../engine/principal.js";

export function tokenCommand(): Command {
  const token = new Command("token").description("Manage the tokens of `session-events serve`.");
  token.addCommand(
    new Command("add")
      .description("Make a new token, add its hash to the tokens file (created with mode 0600) and print the token once.")
      .argument("<name>", "a name for the token (shown in logs and used for its rate limit)")
      .option("--caller <key>", "the session the token acts as; none = an operator token (scope all)")
      .addOption(new Option("--scope <scope>", "what it may reach (default tree with a caller, all without)").choices(SCOPES))
      .addOption(new Option("--clearance <level>", "highest visibility it sees (default internal)").choices(VISIBILITIES))
      .requiredOption("--tokens <file>", "the tokens file")
      .action((name: string, _flags: unknown, command: Command) => {
        // (the program takes --caller/--scope/--clearance too, and keeps them for itself: read them from there)
        const flags = command.optsWithGlobals() as { caller?: string; scope?: (typeof SCOPES)[number]; clearance?: (typeof VISIBILITIES)[number]; tokens: string };
        const made = addToken(flags.tokens, { name, caller: flags.caller, scope: flags.scope, clearance: flags.clearance });
        process.stdout.write(`${made}\n`);
        console.error(`added token "${name}" to ${flags.tokens}; it is shown only this once.`);
      }),
  );
  return token;
}
