using System.Text.Json.Nodes;

namespace ActorRollouts.Bench;

/// <summary>What every mode works on: the prompt, the tools, a template workspace, and the FakeLlm script that plays
/// the workload (the same script for every mode, served by one FakeLlm process).</summary>
public static class BenchFiles
{
    /// <summary>A new results file, <c>&lt;date&gt;-&lt;machine&gt;[-kind][-quick].json</c>, or with <c>-run2</c>, <c>-run3</c>, … when
    /// that day's run is there already: a committed run is never overwritten by the next.</summary>
    public static string NewResultsFile(string resultsDir, string? kind, bool quick)
    {
        Directory.CreateDirectory(resultsDir);
        var stem = $"{DateTime.UtcNow:yyyy-MM-dd}-{Environment.MachineName}{(kind is null ? "" : "-" + kind)}{(quick ? "-quick" : "")}";
        var file = Path.Combine(resultsDir, stem + ".json");
        for (var run = 2; File.Exists(file); run++) file = Path.Combine(resultsDir, $"{stem}-run{run}.json");
        return file;
    }

    public const string Prompt = "bench: keep notes.txt up to date, one file per step.";
    public const string System = "You are a careful coding agent. Use the tools.";
    public const string Model = "gpt-4o-mini";
    public static readonly IReadOnlyList<string> Tools = ["read_file", "write_file"];

    /// <summary>Turn i reads notes.txt (even i) or writes out-i.txt (odd i); the last turn only answers.</summary>
    public static (string Name, string Arguments) ToolCallOf(int turn) => turn % 2 == 0
        ? ("read_file", """{"path":"notes.txt"}""")
        : ("write_file", $$"""{"path":"out-{{turn}}.txt","content":"step {{turn}}: written by the model\n"}""");

    public static string Script(Workload workload)
    {
        var turns = new JsonArray();
        for (var i = 0; i < workload.Turns; i++)
        {
            var (name, arguments) = ToolCallOf(i);
            turns.Add(new JsonObject
            {
                ["content"] = $"Step {i + 1}.",
                ["tool_calls"] = new JsonArray(new JsonObject { ["name"] = name, ["arguments_raw"] = arguments }),
            });
        }
        turns.Add(new JsonObject { ["content"] = "All steps done." });
        var scenario = new JsonObject { ["match"] = "bench:", ["delay_ms"] = workload.LatencyMs, ["turns"] = turns };
        return new JsonObject { ["scenarios"] = new JsonArray(scenario) }.ToJsonString();
    }

    /// <summary>Creates the template workspace every session copies: one small text file.</summary>
    public static string Template(string workDir)
    {
        var template = Path.Combine(workDir, "template");
        Directory.CreateDirectory(template);
        File.WriteAllText(Path.Combine(template, "notes.txt"), string.Concat(Enumerable.Range(1, 40).Select(i => $"note {i}: the actors keep the journal\n")));
        return template;
    }
}
