using System.Text.Json.Nodes;

namespace ActorRollouts.Cli.Tests;

/// <summary>The trajectories file is written as sessions end and never rebuilt after the last step; a <c>resume</c>
/// checks it against the journal first and mends what a crash can leave: a missing line, a doubled line, a cut line.</summary>
public class TrajectoriesFileTests
{
    [Fact]
    public async Task Resume_MendsTheTrajectoriesFile_OneLinePerFinishedSession_AsTheJournalHasIt()
    {
        var dir = Cli.NewTempDir();
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"), ["""{"id":"a","prompt":"hi"}""", """{"id":"b","prompt":"hi"}""", """{"id":"c","prompt":"hi"}"""]);
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), """{ "scenarios": [ { "turns": [ { "content": "Done." } ] } ] }""");
        var data = Path.Combine(dir, "data");
        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data, "--fleet-id", "t"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var file = Path.Combine(data, "fleets", "t", "trajectories.jsonl");
        var written = ByTask(await File.ReadAllLinesAsync(file));
        Assert.Equal(["a", "b", "c"], written.Keys.Order());

        // What a crash can leave: a's line lost, b's written twice, a last line cut off mid-write.
        await File.WriteAllLinesAsync(file, [written["b"], written["b"], written["c"], written["a"][..40]]);
        var resume = await Cli.RunAsync(["resume", "t", "--data-dir", data, "--fake-llm", Path.Combine(dir, "script.json")]);

        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains("repaired from the journal (1 lines added, 2 dropped)", resume.Stderr);
        var mended = await File.ReadAllLinesAsync(file);
        Assert.Equal(3, mended.Length);
        Assert.Equal(written, ByTask(mended));
    }

    private static Dictionary<string, string> ByTask(IEnumerable<string> lines) =>
        lines.ToDictionary(l => (string)JsonNode.Parse(l)!["task_id"]!);
}
