import { bucketsBetween, bucketsFromExposition, histogramQuantile, shareWithin } from "./latency-sli";
import { OPERATION_BUCKETS } from "@sophia/mcp-servers";
import { LATENCY_THRESHOLD_SECONDS } from "./slo";

const exposition = [
  "# HELP mcp_server_operation_duration_seconds Seconds",
  "# TYPE mcp_server_operation_duration_seconds histogram",
  'mcp_server_operation_duration_seconds_bucket{le="0.05",server="memory",mcp_method_name="tools/list",tool="",outcome="ok"} 90',
  'mcp_server_operation_duration_seconds_bucket{le="0.1",server="memory",mcp_method_name="tools/list",tool="",outcome="ok"} 98',
  'mcp_server_operation_duration_seconds_bucket{le="+Inf",server="memory",mcp_method_name="tools/list",tool="",outcome="ok"} 100',
  'mcp_server_operation_duration_seconds_bucket{le="0.05",server="memory",mcp_method_name="tools/list",tool="",outcome="error"} 0',
  'mcp_server_operation_duration_seconds_bucket{le="0.1",server="memory",mcp_method_name="tools/list",tool="",outcome="error"} 0',
  'mcp_server_operation_duration_seconds_bucket{le="+Inf",server="memory",mcp_method_name="tools/list",tool="",outcome="error"} 0',
  'mcp_server_operation_duration_seconds_bucket{le="0.05",server="memory",mcp_method_name="tools/call",tool="search_nodes",outcome="ok"} 5',
  'mcp_server_operation_duration_seconds_bucket{le="0.1",server="memory",mcp_method_name="tools/call",tool="search_nodes",outcome="ok"} 5',
  'mcp_server_operation_duration_seconds_bucket{le="+Inf",server="memory",mcp_method_name="tools/call",tool="search_nodes",outcome="ok"} 5',
  'mcp_server_operation_duration_seconds_count{server="memory",mcp_method_name="tools/list",tool="",outcome="ok"} 100',
].join("\n");

test("buckets of one method, summed over outcomes", () => {
  expect(bucketsFromExposition(exposition, "mcp_server_operation_duration_seconds", { mcp_method_name: "tools/list" })).toEqual([
    { le: 0.05, count: 90 },
    { le: 0.1, count: 98 },
    { le: Infinity, count: 100 },
  ]);
});

test("histogram_quantile as Prometheus computes it", () => {
  const buckets = [{ le: 0.05, count: 90 }, { le: 0.1, count: 98 }, { le: Infinity, count: 100 }];
  // rank 50 in the first bucket: 0 + 0.05 × 50/90.
  expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.05 * (50 / 90));
  // rank 95 between 90 and 98: 0.05 + 0.05 × 5/8.
  expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.05 + 0.05 * (5 / 8));
  // rank 99 in +Inf: the highest finite bound.
  expect(histogramQuantile(0.99, buckets)).toBe(0.1);
  expect(histogramQuantile(0.99, [{ le: 0.1, count: 0 }, { le: Infinity, count: 0 }])).toBeNaN();
});

test("the SLO's good share, between two readings", () => {
  const before = [{ le: 0.05, count: 10 }, { le: 0.1, count: 10 }, { le: Infinity, count: 10 }];
  const after = [{ le: 0.05, count: 90 }, { le: 0.1, count: 98 }, { le: Infinity, count: 100 }];
  expect(shareWithin(LATENCY_THRESHOLD_SECONDS, bucketsBetween(before, after))).toBeCloseTo(88 / 90);
  expect(() => shareWithin(0.2, after)).toThrow("no bucket at le=0.2");
});

test("the SLO's threshold is a bound of the servers' buckets, so le=\"0.1\" is exact", () => {
  expect(OPERATION_BUCKETS).toContain(LATENCY_THRESHOLD_SECONDS);
});
