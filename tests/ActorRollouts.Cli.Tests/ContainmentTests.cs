using System.Text.Json.Nodes;

namespace ActorRollouts.Cli.Tests;

/// <summary>Commands run within limits, with the shipped defaults: a fork bomb, a memory bomb and a 3 GB write each end as
/// an error result of their own session, and the rest of the fleet completes. SIGTERM stops a fleet whatever its commands
/// are doing, and resume finishes it.</summary>
public class ContainmentTests
{
    private const string RunawayScript = """
        { "scenarios": [
          { "match": "fork bomb", "turns": [
            { "tool_calls": [ { "name": "bash", "arguments": { "command": "bomb() { bomb | bomb & }; bomb; sleep 5", "timeout_s": 100 } } ] }, { "content": "bombed" } ] },
          { "match": "memory bomb", "turns": [
            { "tool_calls": [ { "name": "bash", "arguments": { "command": "s=xxxxxxxxxxxxxxxx; while true; do s=$s$s; done", "timeout_s": 100 } } ] }, { "content": "ate" } ] },
          { "match": "fill the disk", "turns": [
            { "tool_calls": [ { "name": "bash", "arguments": { "command": "head -c 3G /dev/zero > big.bin", "timeout_s": 100 } } ] }, { "content": "filled" } ] },
          { "turns": [
            { "tool_calls": [ { "name": "bash", "arguments": { "command": "echo fine > fine.txt && cat fine.txt" } } ] },
            { "tool_calls": [ { "name": "write_file", "arguments": { "path": "notes.txt", "content": "done\n" } } ] },
            { "content": "Done." } ] } ] }
        """;

    [Fact]
    public async Task ForkBombMemoryBombAndThreeGigabyteWrite_EachEndAsTheirSessionsErrorResult_TenOtherSessionsComplete()
    {
        var dir = Cli.NewTempDir();
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), RunawayScript);
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"),
        [
            """{"id":"bomb","prompt":"fork bomb","tools":["bash"]}""",
            """{"id":"memory","prompt":"memory bomb","tools":["bash"]}""",
            """{"id":"disk","prompt":"fill the disk","tools":["bash"]}""",
            """{"id":"fine","prompt":"behave","tools":["bash","write_file"],"samples":10}""",
        ]);
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data,
            "--fleet-id", "c", "--concurrency", "13"], timeout: TimeSpan.FromMinutes(5));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("13 sessions: 13 completed", run.Stdout);
        var results = new Dictionary<string, JsonNode>();
        foreach (var task in new[] { "bomb", "memory", "disk" })
            results[task] = (await Cli.RunAsync(["trace", $"c:{task}:0", "--data-dir", data])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonNode.Parse(l)!).Single(l => (string?)l["type"] == "tool_call_completed")["data"]!;
        Assert.Equal(("E_LIMIT", "processes"), ((string?)results["bomb"]["error_code"], (string?)results["bomb"]["data"]!["limit_hit"]));
        Assert.Equal(("E_LIMIT", "memory"), ((string?)results["memory"]["error_code"], (string?)results["memory"]["data"]!["limit_hit"]));
        Assert.Equal(("E_LIMIT", "file_size"), ((string?)results["disk"]["error_code"], (string?)results["disk"]["data"]!["limit_hit"]));
        // Within the shipped limits (hocon/actor-rollouts.conf): 512 processes, 2 GiB of memory, 1 GiB per file.
        Assert.InRange((long)results["bomb"]["data"]!["peak_processes"]!, 2, 512);
        Assert.InRange((long)results["memory"]["data"]!["peak_memory_bytes"]!, 1, 2L << 30);
        Assert.Equal(1L << 30, new FileInfo(Path.Combine(Cli.Changes(data, "c", "disk-0"), "big.bin")).Length);
        Assert.All(results.Values, r => Assert.Equal("cgroup+rlimit", (string?)r["data"]!["limits"]!["enforced_by"]));
        for (var i = 0; i < 10; i++)
            Assert.Equal("done\n", await File.ReadAllTextAsync(Path.Combine(Cli.Changes(data, "c", $"fine-{i}"), "notes.txt")));
        Directory.Delete(dir, recursive: true); // a gigabyte
    }

    [Fact]
    public async Task SigtermWhileACommandSleepsTenMinutes_ExitsWithin10sKillingIt_AndResumeFinishesTheFleet_AFifoBlocksNothing()
    {
        var dir = Cli.NewTempDir();
        var marker = $"ar-sigterm-{Guid.NewGuid():n}"[..24];
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), $$$"""
            { "scenarios": [ { "turns": [
              { "tool_calls": [ { "name": "bash", "arguments": { "command": "mkfifo pipe" } } ] },
              { "tool_calls": [ { "name": "write_file", "arguments": { "path": "notes.txt", "content": "written past a FIFO\n" } } ] },
              { "tool_calls": [ { "name": "bash", "arguments": { "command": "touch sleeping.txt; exec -a {{{marker}}} sleep 600", "timeout_s": 650 } } ] },
              { "content": "Done." } ] } ] }
            """);
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"), ["""{"id":"long","prompt":"wait long","tools":["bash","write_file"]}"""]);
        // Long enough for the command's own timeout: only the signal can end it.
        await File.WriteAllTextAsync(Path.Combine(dir, "long.conf"),
            "actor-rollouts.environment.tool-timeout = 700s\nactor-rollouts.environment.limits.all-commands.processes = 3000");
        var data = Path.Combine(dir, "data");
        Directory.CreateDirectory(data);
        using var sleeping = new FileAppears(data, "sleeping.txt");
        string[] args = ["--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data, "--config", Path.Combine(dir, "long.conf")];
        using var run = Cli.Start(["run", Path.Combine(dir, "tasks.jsonl"), "--fleet-id", "t", .. args]);
        await sleeping.Seen.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal("3000", File.ReadAllText(Path.Combine(PidsGroupOf(run.Id), $"actor-rollouts-{run.Id}", "pids.max")).Trim()); // the ceiling for all its commands

        using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", run.Id.ToString()])) await term.WaitForExitAsync();
        await run.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(143, run.ExitCode);
        Assert.Empty(ProcessTable.Mentioning(marker));
        Assert.Equal("written past a FIFO\n", await File.ReadAllTextAsync(Path.Combine(Cli.Changes(data, "t", "long-0"), "notes.txt")));
        Assert.Equal("interrupted", (string?)JsonNode.Parse((await Cli.RunAsync(["sessions", "--fleet", "t", "--data-dir", data, "--json"])).Stdout)![0]!["status"]);
        var resume = await Cli.RunAsync(["resume", "t", "--data-dir", data, "--config", Path.Combine(dir, "long.conf")]);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains("1 sessions: 1 completed", resume.Stdout);
        var results = (await Cli.RunAsync(["trace", "t:long:0", "--data-dir", data])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonNode.Parse(l)!).Where(l => (string?)l["type"] == "tool_call_completed").Select(l => (string?)l["data"]!["error_code"]).ToList();
        Assert.Equal([null, null, "E_INTERRUPTED"], results); // the sleep the signal cut is answered as interrupted
    }

    /// <summary>The cgroup v1 pids folder a process is in (its commands' groups are made below it).</summary>
    private static string PidsGroupOf(int pid) =>
        "/sys/fs/cgroup/pids" + File.ReadLines($"/proc/{pid}/cgroup").Select(l => l.Split(':', 3)).Single(f => f[1] == "pids")[2];
}
