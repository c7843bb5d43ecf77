// An external MCP client for the Commerce Gateway, written with the official TypeScript SDK: starts the BUILT
// gateway (dotnet <path>/CommerceGateway.dll) over stdio, lists the tools, reads a loop, makes a recommendation,
// checks it is pending and the loop has not moved, then reads the live signals and the procurement loop's metrics.
// Prints a JSON summary; exits non-zero on any failure.
//
//   node tests/node/mcp-client.mjs samples/CommerceGateway/bin/Release/net10.0/CommerceGateway.dll
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const dll = process.argv[2];
const summary = { ok: false, checks: [] };

function check(name, condition, detail) {
  summary.checks.push({ name, ok: Boolean(condition), ...(condition || detail === undefined ? {} : { detail }) });
  if (!condition) throw new Error(`check failed: ${name}${detail === undefined ? "" : ` (${JSON.stringify(detail)})`}`);
}

async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  return { result, data: result.structuredContent };
}

const transport = new StdioClientTransport({ command: "dotnet", args: [dll], stderr: "pipe" });
let stderr = "";
transport.stderr?.on("data", (chunk) => { stderr += chunk; });
const client = new Client({ name: "loopengine-node-test", version: "1.0.0" });
try {
  if (!dll) throw new Error("usage: node mcp-client.mjs <path to CommerceGateway.dll>");
  await client.connect(transport);
  summary.server = client.getServerVersion();

  const { tools } = await client.listTools();
  summary.tools = tools.map((t) => t.name).sort();
  for (const expected of ["list_loop_definitions", "describe_loop", "get_loop_state", "get_transition_history",
    "list_open_loops", "list_exceptions", "list_signals", "get_loop_metrics", "recommend_transition", "execute_transition"]) {
    check(`tool ${expected} listed`, summary.tools.includes(expected));
  }

  const described = await call(client, "describe_loop", { loop_id: "scm.procurement", version: "2.0.0" });
  check("describe_loop succeeds", !described.result.isError, described.result.content?.[0]?.text);
  check("describe_loop has a Mermaid diagram", described.data.mermaid.includes("stateDiagram-v2"));

  const before = await call(client, "get_loop_state", { aggregate_id: "PO-2026-0012" });
  check("get_loop_state succeeds", !before.result.isError, before.result.content?.[0]?.text);
  check("PO-2026-0012 is in RECEIPT_SCHEDULED", before.data.instance.currentState === "RECEIPT_SCHEDULED", before.data.instance.currentState);
  const receive = before.data.availableTransitions.find((t) => t.id === "receive");
  check("receive is recommend-only for the agent", receive?.agentAccess === "recommend", receive?.agentAccess);

  const recommended = await call(client, "recommend_transition", {
    aggregate_id: "PO-2026-0012",
    transition_id: "receive",
    evidence: { shipment_scan: "confirmed", quantity_match: true },
    reasoning: "The carrier scan confirms delivery at DC-East and the quantity matches the PO.",
  });
  check("recommend_transition succeeds", !recommended.result.isError, recommended.result.content?.[0]?.text);
  check("recommendation is pending", recommended.data.status === "pending", recommended.data.status);
  summary.recommendationId = recommended.data.recommendationId;

  const after = await call(client, "get_loop_state", { aggregate_id: "PO-2026-0012" });
  check("state has not moved", after.data.instance.currentState === "RECEIPT_SCHEDULED" && after.data.instance.version === before.data.instance.version, after.data.instance);
  const pending = after.data.pendingRecommendations.find((r) => r.id === summary.recommendationId);
  check("recommendation listed as pending", pending?.status === "pending");
  check("recommender is the configured ai-agent", pending?.recommender?.type === "ai-agent", pending?.recommender);

  const executed = await call(client, "execute_transition", { aggregate_id: "PO-2026-0012", transition_id: "receive", evidence: { shipment_scan: "confirmed" } });
  check("execute_transition of a reserved transition is refused", executed.result.isError === true, executed.result.content?.[0]?.text);

  const signals = await call(client, "list_signals", { signal_type: "DEMAND_SPIKE", min_confidence: 0.8 });
  check("list_signals succeeds", !signals.result.isError, signals.result.content?.[0]?.text);
  const spike = signals.data.signals.find((s) => s.subject.sku === "BRS-001" && s.subject.location === "DC-East");
  check("DEMAND_SPIKE for BRS-001 at DC-East with confidence 0.84", Math.abs((spike?.confidence ?? 0) - 0.84) < 1e-9, spike);
  check("the spike opened REPLEN-2026-0041", spike?.aggregateId === "REPLEN-2026-0041", spike?.aggregateId);

  const metrics = await call(client, "get_loop_metrics", { loop_id: "scm.procurement" });
  check("get_loop_metrics succeeds", !metrics.result.isError, metrics.result.content?.[0]?.text);
  check("PO-2026-0012 counts as opened in the last 30 days", metrics.data.countByStatus.InProgress + metrics.data.countByStatus.Open >= 1, metrics.data.countByStatus);

  summary.ok = true;
} catch (error) {
  summary.error = String(error?.stack ?? error);
  summary.stderr = stderr.slice(-4000);
} finally {
  await client.close().catch(() => {});
}
console.log(JSON.stringify(summary));
process.exit(summary.ok ? 0 : 1);
