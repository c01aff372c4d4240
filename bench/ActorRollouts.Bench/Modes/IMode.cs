namespace ActorRollouts.Bench.Modes;

/// <summary>One way of running the workload against the FakeLlm at <c>baseUrl</c>, in a working folder of its own.</summary>
public interface IMode
{
    string Name { get; }

    Task<ModeResult> RunAsync(Workload workload, Uri baseUrl, string workDir, CancellationToken cancel);
}

public static class AllModes
{
    public static readonly IReadOnlyList<IMode> InOrder =
    [
        new ServerCeilingMode(),
        new BareLoopMode(),
        new EngineMode(EngineMode.Journal.Sqlite),
        new EngineMode(EngineMode.Journal.Memory),
        new EngineMode(EngineMode.Journal.Postgres),
        new AgentFrameworkMode(),
        new NodeMode("node-bare"),
        new NodeMode("langgraph-js-sqlite"),
    ];

    public static IMode Named(string name) => InOrder.FirstOrDefault(m => m.Name == name)
        ?? throw new ArgumentException($"unknown mode '{name}'; modes: {string.Join(", ", InOrder.Select(m => m.Name))}");
}
