using System.Diagnostics;
using System.Text.Json;

namespace ActorRollouts.Bench.Modes;

/// <summary>A peer outside .NET, in a Node process of its own that measures itself as the .NET modes do:
/// <c>node-bare</c> (the loop on the official <c>openai</c> npm SDK) or <c>langgraph-js-sqlite</c> (LangGraph.js's ReAct
/// agent with its SQLite checkpointer), each a script in <c>bench/node</c>. Their packages come from the committed lock
/// file (<c>npm ci</c>, once).</summary>
public sealed class NodeMode(string name) : IMode
{
    private const string ResultPrefix = "RESULT ";

    public string Name => name;

    public static string NodeDir => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "node"));

    public async Task<ModeResult> RunAsync(Workload workload, Uri baseUrl, string workDir, CancellationToken cancel)
    {
        if (workload.Template is not null || workload.Tools is not null)
            throw new NotSupportedException($"{name} runs the fleet benchmark's workload only (read_file and write_file on the one-file template)");
        await NpmCiAsync(cancel);
        var json = JsonSerializer.Serialize(workload, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var (exit, stdout, stderr) = await RunAsync("node", [Path.Combine(NodeDir, $"{name}.mjs"), json, baseUrl.ToString(), workDir], NodeDir, cancel);
        var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        if (exit != 0 || line is null) throw new InvalidOperationException($"{name} failed (exit {exit}): {stderr}");
        return JsonSerializer.Deserialize<ModeResult>(line[ResultPrefix.Length..], new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    /// <summary>Installs the lock file's packages unless they are there already.</summary>
    public static async Task NpmCiAsync(CancellationToken cancel)
    {
        if (File.Exists(Path.Combine(NodeDir, "node_modules", ".package-lock.json"))) return;
        var (exit, _, stderr) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], NodeDir, cancel);
        if (exit != 0) throw new InvalidOperationException($"npm ci in {NodeDir} failed (exit {exit}): {stderr}");
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string program, string[] args, string dir, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        await using var _ = cancel.Register(() => process.Kill(entireProcessTree: true));
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        await process.WaitForExitAsync(cancel);
        return (process.ExitCode, await stdout, await stderr);
    }
}
