using ActorRollouts.Bench;

// The ActorRollouts benchmarks (see the README's "Performance" section).
//   (no command) [--quick] [--modes a,b] [--results DIR] [--settle S] [--rounds N]   the fleet benchmark: every mode on
//                                                            the issue-6 workloads, after S seconds of file-system quiet
//                                                            (full: 370), N rounds of every mode interleaved (default 1)
//   recovery [--quick] [--results DIR]                       recovery time by session length, with and without snapshots
//   real-repo [--quick] [--results DIR]                      workspaces on Debian's Python standard library (issue 10)
//   real-repo --write-only [--results DIR]                   only its 20 MB write_file against a 20-byte one (and one kept as long), five times
//   storage [--quick] [--results DIR]                        one long session's bytes, 1,000 vs 10,000 steps (issue 11)
//   tokens [--quick] [--results DIR]                         journal bytes per token and CPU per step, --tokens off/capture/exact (issue 29)
//   cluster [--quick] [--results DIR]                        the same fleet on 1, 2 and 3 nodes sharing PostgreSQL (issue 12)
//   service [--quick] [--results DIR]                        CPU per step of a fleet run by `run` and by `serve` over HTTP (issue 30)
//   sandbox [--quick] [--results DIR]                        a fleet in a container image against the same on the host root (issue 31)
//   mcp [--quick] [--results DIR]                            a built-in tool against an MCP server's, sandboxed and not (issue 32)
//   commit                                                   what a SQLite commit costs with synchronous FULL vs NORMAL
//   serve SCRIPT / mode NAME WORKLOAD BASE_URL DIR           internal: FakeLlm and one mode, each in a process of its own
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var quick = args.Contains("--quick");
var benchDir = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", ".."));

switch (args.FirstOrDefault())
{
    case "serve":
        return await ServeCommand.RunAsync(args[1]);
    case "mode":
        return await ModeProcess.ServeAsync(args[1], args[2], args[3], args[4]);
    case "commit":
        return CommitBench.Run();
    case "real-repo" when args.Contains("--write-only"):
        return await ActorRollouts.Bench.RealRepo.RealRepoBench.WriteOnlyAsync(Option("--results") ?? Path.Combine(benchDir, "results"), cancel.Token);
    case "real-repo":
        return await ActorRollouts.Bench.RealRepo.RealRepoBench.RunCommandAsync(quick, Option("--results") ?? Path.Combine(benchDir, "results"), cancel.Token);
    case "storage":
        return await StorageBench.RunCommandAsync(quick, Option("--results") ?? Path.Combine(benchDir, "results"));
    case "tokens":
        return await TokensBench.RunCommandAsync(quick, Option("--results") ?? Path.Combine(benchDir, "results"), cancel.Token);
    case "service":
        return await ServeBench.RunCommandAsync(quick, Option("--results") ?? Path.Combine(benchDir, "results"), cancel.Token);
    case "sandbox":
        return await SandboxBench.RunCommandAsync(quick, Option("--results") ?? Path.Combine(benchDir, "results"), cancel.Token);
    case "agents":
        return await AgentsBench.RunCommandAsync(quick, Option("--results") ?? Path.Combine(benchDir, "results"), cancel.Token);
    case "mcp":
        return await McpBench.RunCommandAsync(quick, Option("--results") ?? Path.Combine(benchDir, "results"), cancel.Token);
    case "cluster":
        return await ClusterBench.RunCommandAsync(quick, Option("--results") ?? Path.Combine(benchDir, "results"), cancel.Token);
    case "mounts":
        return await MountBench.RunCommandAsync(quick, Option("--results") ?? Path.Combine(benchDir, "results"));
    case "recovery":
        return await RecoveryBench.RunCommandAsync(quick, Option("--results") ?? Path.Combine(benchDir, "results"));
    default:
        var modes = Option("--modes")?.Split(',') ?? [.. FleetBench.ModeNames];
        var unknown = modes.Except(FleetBench.ModeNames).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"unknown mode(s): {string.Join(", ", unknown)}; modes: {string.Join(", ", FleetBench.ModeNames)}");
            return 2;
        }
        var settle = quick ? TimeSpan.Zero : QuietFileSystem.Settle;
        if (Option("--settle") is { } settleOption)
        {
            if (!int.TryParse(settleOption, out var seconds) || seconds < 0)
            {
                Console.Error.WriteLine($"--settle takes whole seconds (0 or more), not '{settleOption}'");
                return 2;
            }
            settle = TimeSpan.FromSeconds(seconds);
        }
        var rounds = 1;
        if (Option("--rounds") is { } roundsOption && (!int.TryParse(roundsOption, out rounds) || rounds < 1))
        {
            Console.Error.WriteLine($"--rounds takes a whole number (1 or more), not '{roundsOption}'");
            return 2;
        }
        return await FleetBench.RunAsync(quick, modes, Option("--results") ?? Path.Combine(benchDir, "results"), settle, rounds, cancel.Token);
}

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
