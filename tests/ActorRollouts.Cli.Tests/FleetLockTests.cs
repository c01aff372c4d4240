using System.Diagnostics;
using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;
using Xunit.Abstractions;

namespace ActorRollouts.Cli.Tests;

/// <summary>One live process per fleet: the OS lock refuses a second one at once, naming the holder, and vanishes with
/// the holder however it dies, so a resume after <c>kill -9</c> needs no clean-up.</summary>
public class FleetLockTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ResumeOfALiveFleet_ExitsTwoAtOnceNamingItsPid_AndAfterKillNineResumeCompletesIt()
    {
        var dir = Cli.NewTempDir();
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, ["""{"id":"t","prompt":"go","samples":3}"""]);
        var data = Path.Combine(dir, "data");
        // The run's first answer takes a minute: the fleet is certainly alive while the second process tries.
        await using var slow = await FakeLlmServer.StartAsync(FakeScript.Parse("""{ "scenarios": [ { "turns": [ { "delay_ms": 60000, "content": "late" } ] } ] }"""));
        var run = Cli.Start(["run", tasks, "--base-url", slow.BaseUrl.ToString(), "--fleet-id", "l", "--data-dir", data]);
        await slow.WhenRequestsReach(1).WaitAsync(TimeSpan.FromMinutes(2));

        var clock = Stopwatch.StartNew();
        var second = await Cli.RunAsync(["resume", "l", "--data-dir", data]);
        var again = await Cli.RunAsync(["run", tasks, "--base-url", slow.BaseUrl.ToString(), "--fleet-id", "l", "--data-dir", data]);
        output.WriteLine($"two refused processes took {clock.ElapsedMilliseconds} ms in all");
        var whileAlive = Statuses(await Cli.RunAsync(["sessions", "--fleet", "l", "--data-dir", data, "--json"]));

        Assert.False(run.HasExited, "the refusals must come while the run is still going (its first answer takes a minute)");
        Assert.Equal(2, second.ExitCode);
        Assert.Contains($"fleet 'l' is already running in process {run.Id} (dotnet ", second.Stderr);
        Assert.Contains($"kill {run.Id}", second.Stderr);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains($"already running in process {run.Id}", again.Stderr);
        Assert.Equal(0, slow.RequestCount - 3); // the refused processes sent nothing: 3 sessions, 3 requests, all the run's
        Assert.All(whileAlive, s => Assert.Equal("running", s));

        await FleetSettingsTests.KillHard(run);
        Assert.All(Statuses(await Cli.RunAsync(["sessions", "--fleet", "l", "--data-dir", data, "--json"])), s => Assert.Equal("interrupted", s));
        await using var fast = await FakeLlmServer.StartAsync(FakeScript.Parse("""{ "scenarios": [ { "turns": [ { "content": "Done." } ] } ] }"""));
        var resume = await Cli.RunAsync(["resume", "l", "--data-dir", data, "--base-url", fast.BaseUrl.ToString()]);

        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains("3 sessions: 3 completed", resume.Stdout);
    }

    private static List<string> Statuses(CliResult sessions) =>
        JsonNode.Parse(sessions.Stdout)!.AsArray().Select(r => (string)r!["status"]!).ToList();
}
