namespace ActorRollouts.Bench;

/// <summary>N sessions, each T turns of one model call and one tool call (read_file and write_file in turn) and then a
/// closing answer, so every mode makes N × (T + 1) model calls and N × T tool calls. The model answers after
/// <see cref="LatencyMs"/>; at most <see cref="Concurrency"/> sessions run at once. <see cref="Template"/> and
/// <see cref="Tools"/> set another workspace and tool set (<c>real-repo</c>: the Python standard library, every tool);
/// by default a one-file template and read_file/write_file.</summary>
public sealed record Workload(string Name, int Sessions, int Turns, int LatencyMs, int Concurrency, string? Template = null, string[]? Tools = null)
{
    public IReadOnlyList<string> ToolNames => Tools ?? BenchFiles.Tools;

    /// <summary>The template folder every session's workspace starts from (shared read-only, as the engine does).</summary>
    public string TemplateIn(string workDir) => Template ?? BenchFiles.Template(workDir);

    public int ModelCallsPerSession => Turns + 1;

    public long Steps => (long)Sessions * ModelCallsPerSession;

    public override string ToString() =>
        $"{Name}: {Sessions:N0} sessions × {Turns} turns, latency {LatencyMs} ms, concurrency {Concurrency:N0}";

    /// <summary>The two workloads of issue 6's targets.</summary>
    public static IReadOnlyList<Workload> Full =>
    [
        new("latency-0", 1_000, 10, 0, 256),
        new("latency-200", 5_000, 5, 200, 5_000),
    ];

    /// <summary>The same shapes, small enough for a CI smoke run.</summary>
    public static IReadOnlyList<Workload> Quick =>
    [
        new("latency-0", 100, 5, 0, 32),
        new("latency-200", 300, 3, 200, 300),
    ];
}
