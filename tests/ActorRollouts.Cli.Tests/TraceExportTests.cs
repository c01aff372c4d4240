using System.Text.Json.Nodes;

namespace ActorRollouts.Cli.Tests;

/// <summary><c>trace</c> in the exact format of DESIGN.md, checked against a file in the repository, and per fleet; on both
/// journals.</summary>
public class TraceExportTests
{
    private static readonly System.Text.Json.JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string ExpectedDir = Path.Combine(Cli.RepoRoot, "tests", "ActorRollouts.Cli.Tests", "Expected");

    /// <summary>What changes from run to run (times, latencies, paths, ports, response ids) becomes a fixed placeholder.</summary>
    private static JsonNode? Normalise(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                    o[key] = key switch
                    {
                        "timestamp" or "created_at" => "<time>",
                        "latency_ms" or "duration_ms" => 0,
                        "workspace" => "<workspace>",
                        "base_url" => "<base-url>",
                        "response_id" => "<response-id>",
                        _ => Normalise(value?.DeepClone()),
                    };
                return o;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++) a[i] = Normalise(a[i]?.DeepClone());
                return a;
            default:
                return node;
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Trace_KnownSession_MatchesTheCheckedInExpectedFileLineByLine(string journalKind)
    {
        var journal = Cli.Journal(journalKind, Cli.NewTempDir());
        var run = await Cli.RunAsync(["run", Path.Combine(ExpectedDir, "known-task.jsonl"), "--fake-llm", "examples/fake-llm.json", .. journal, "--fleet-id", "known"]);
        Assert.True(run.ExitCode == 0, run.ToString());

        var trace = await Cli.RunAsync(["trace", "known:fix-greeting:0", .. journal]);
        var actual = trace.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Normalise(JsonNode.Parse(l))!.ToJsonString(Readable)).ToList();

        var expectedFile = Path.Combine(ExpectedDir, "fix-greeting.trace.jsonl");
        if (Environment.GetEnvironmentVariable("AR_UPDATE_EXPECTED") == "1")
        {
            await File.WriteAllLinesAsync(expectedFile, actual);
            Assert.Fail($"wrote {expectedFile}; review it, then run the tests again without AR_UPDATE_EXPECTED");
        }
        var expected = await File.ReadAllLinesAsync(expectedFile);
        Assert.Equal(expected.Length, actual.Count);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i]);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task TraceFleet_WritesOneFilePerSession(string journalKind)
    {
        var data = Cli.NewTempDir();
        var journal = Cli.Journal(journalKind, data);
        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", .. journal, "--fleet-id", "tf"]);
        Assert.Equal(0, run.ExitCode);
        var outDir = Path.Combine(data, "traces");

        var trace = await Cli.RunAsync(["trace", "--fleet", "tf", .. journal, "--out", outDir]);

        Assert.True(trace.ExitCode == 0, trace.ToString());
        var files = Directory.GetFiles(outDir).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["tf_add-todo_0.jsonl", "tf_add-todo_1.jsonl", "tf_fix-greeting_0.jsonl", "tf_fix-greeting_1.jsonl", "tf_summarize-notes_0.jsonl", "tf_summarize-notes_1.jsonl"], files);
        Assert.All(Directory.GetFiles(outDir), f => Assert.StartsWith("{\"_type\":\"metadata\"", File.ReadLines(f).First()));
    }

    [Fact]
    public async Task Trace_NeitherOrBothSelectors_IsAUsageError()
    {
        var data = Cli.NewTempDir();
        await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", "--data-dir", data, "--fleet-id", "u"]);

        Assert.Equal(2, (await Cli.RunAsync(["trace", "--data-dir", data])).ExitCode);
        Assert.Equal(2, (await Cli.RunAsync(["trace", "u:add-todo:0", "--fleet", "u", "--data-dir", data, "--out", data])).ExitCode);
    }
}
