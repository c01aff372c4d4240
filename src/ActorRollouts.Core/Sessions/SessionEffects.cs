using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Sessions;

/// <summary>What a session should do next, derived from its state alone.</summary>
public abstract record SessionEffect
{
    /// <summary>Ask the model for turn <paramref name="Turn"/> (<paramref name="Attempt"/> &gt; 1: again, after an aborted attempt).</summary>
    public sealed record CallModel(int Turn, int Attempt = 1) : SessionEffect;

    /// <summary>Hand this tool call to the environment.</summary>
    public sealed record RunTool(ToolCall Call) : SessionEffect;

    /// <summary>Ask for an approval of this call before it runs.</summary>
    public sealed record Confirm(ToolCall Call) : SessionEffect;

    /// <summary>End the session with this stop reason.</summary>
    public sealed record Complete(string StopReason) : SessionEffect;

    /// <summary>Something is in flight (a model call or a tool call): wait for its answer.</summary>
    public sealed record Wait : SessionEffect;

    /// <summary>The session has ended (or never started): nothing to do.</summary>
    public sealed record None : SessionEffect;

    public static readonly SessionEffect Waiting = new Wait();
    public static readonly SessionEffect Nothing = new None();
}
