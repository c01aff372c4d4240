using System.Diagnostics;
using System.Text.Json;
using ActorRollouts.Bench.Modes;

namespace ActorRollouts.Bench;

/// <summary>Each mode runs in a fresh process of its own (this program's <c>mode</c> command): its peak RSS is its own,
/// and no mode warms the JIT, the thread pool or the GC heap for the next.</summary>
public static class ModeProcess
{
    private const string ResultPrefix = "RESULT ";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<ModeResult> RunAsync(string mode, Workload workload, Uri baseUrl, string workDir, CancellationToken cancel)
    {
        using var process = Process.Start(SelfCommand.StartInfo(["mode", mode, JsonSerializer.Serialize(workload, Json), baseUrl.ToString(), workDir]))
            ?? throw new InvalidOperationException($"could not start mode {mode}");
        await using var _ = cancel.Register(() => process.Kill(entireProcessTree: true));
        ModeResult? result = null;
        while (await process.StandardOutput.ReadLineAsync(cancel) is { } line)
            if (line.StartsWith(ResultPrefix, StringComparison.Ordinal)) result = JsonSerializer.Deserialize<ModeResult>(line[ResultPrefix.Length..], Json);
            else Console.Error.WriteLine($"  {mode}: {line}");
        await process.WaitForExitAsync(cancel);
        if (process.ExitCode != 0 || result is null)
            throw new InvalidOperationException($"mode {mode} on {workload.Name} failed (exit {process.ExitCode}); its errors are above");
        return result;
    }

    /// <summary>The child's side: run one mode, print its result as one line.</summary>
    public static async Task<int> ServeAsync(string mode, string workloadJson, string baseUrl, string workDir)
    {
        var workload = JsonSerializer.Deserialize<Workload>(workloadJson, Json)!;
        Directory.CreateDirectory(workDir);
        var result = await AllModes.Named(mode).RunAsync(workload, new Uri(baseUrl), workDir, CancellationToken.None);
        if (result.SessionsCompleted != workload.Sessions || result.ModelCalls != workload.Steps)
            throw new InvalidOperationException($"{mode} did not do the workload: {result.SessionsCompleted}/{workload.Sessions} sessions completed, " +
                $"{result.ModelCalls}/{workload.Steps} model calls");
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result, Json));
        return 0;
    }
}
