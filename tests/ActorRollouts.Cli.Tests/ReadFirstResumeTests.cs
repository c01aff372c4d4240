using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary><c>edit_file</c> needs the file read first. A session that read it, was killed, and resumed has still read it:
/// the journal says so, and the new process's environment is told. (It used to answer the edit E_VALIDATION.)</summary>
public class ReadFirstResumeTests
{
    private const string Script = """
        { "scenarios": [ { "delay_ms": 300, "turns": [
            { "tool_calls": [ { "name": "read_file", "arguments": { "path": "greeting.txt" } } ] },
            { "tool_calls": [ { "name": "edit_file", "arguments": { "path": "greeting.txt", "old_string": "Helo", "new_string": "Hello" } } ] },
            { "content": "Fixed." } ] } ] }
        """;

    [Fact]
    public async Task ReadBeforeAKill_StillCountsAfterTheResume_TheEditGoesThrough()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "greeting.txt"), "Helo, world!\n");
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllTextAsync(tasks, """{"id":"g","prompt":"fix the greeting","workspace":"template","tools":["read_file","edit_file"]}""" + "\n");
        var data = Path.Combine(dir, "data");
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        // Killed while the model is asked for turn 2: the read of turn 1 is journaled, the edit not yet asked for.
        var run = Cli.Start(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "rf", "--data-dir", data, "--sandbox", "none"]);
        await server.WhenRequest(r => r.Turn == 1, bounded.Token);
        await FleetSettingsTests.KillHard(run);
        var resume = await Cli.RunAsync(["resume", "rf", "--data-dir", data]);

        Assert.True(resume.ExitCode == 0, resume.ToString());
        var trace = (await Cli.RunAsync(["trace", "rf:g:0", "--data-dir", data])).Stdout;
        Assert.Contains("session_resumed", trace);
        Assert.DoesNotContain("E_VALIDATION", trace);
        Assert.Equal("Hello, world!\n", await File.ReadAllTextAsync(Path.Combine(await Cli.WorkspaceAsync(data, "rf:g:0"), "greeting.txt")));
    }
}
