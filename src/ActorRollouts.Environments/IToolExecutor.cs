using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments;

/// <summary>What the environment actor runs tool calls with (the real <see cref="ToolExecutor"/>, or a stand-in in tests).</summary>
public interface IToolExecutor
{
    Task<ToolExecution> ExecuteAsync(ToolCall call, CancellationToken cancellationToken);
}
