using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments;

/// <summary>What the environment actor runs tool calls with (the real <see cref="ToolExecutor"/>, or a stand-in in tests).</summary>
public interface IToolExecutor
{
    Task<ToolExecution> ExecuteAsync(ToolCall call, CancellationToken cancellationToken);

    /// <summary>Files the session has seen before this executor existed (journaled: a resume, a restart, a fork), which
    /// <c>requires_read_first</c> tools may change.</summary>
    void Remember(IEnumerable<string> seenFiles)
    {
    }
}
