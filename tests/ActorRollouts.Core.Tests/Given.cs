using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;
using static ActorRollouts.Core.Sessions.SessionInputs;

namespace ActorRollouts.Core.Tests;

/// <summary>Builds session histories by running inputs through the real decider and Apply.</summary>
internal static class Given
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    public static SessionSpec Spec(int maxTurns = 5, string? system = "be brief") => new(
        "f1:t1:0", "f1", "t1", 0, "fix the bug", system,
        new Endpoint("http://127.0.0.1:9/v1", "gpt-4o"), maxTurns, null, ["read_file", "write_file"]);

    public static SessionState Run(SessionState state, params ISessionInput[] inputs) =>
        inputs.Aggregate(state, (s, input) => SessionDecider.Decide(s, input).Aggregate(s, (acc, e) => acc.Apply(e)));

    public static SessionState Started(int maxTurns = 5) =>
        Run(SessionState.Empty, new Start(Spec(maxTurns), "/ws", T0));

    public static ModelResponse Answer(string? text, params ToolCall[] calls) =>
        new("resp-1", Message.Assistant(text, calls.Length > 0 ? calls.ToImmutableList() : null), new Usage(10, 5), calls.Length > 0 ? "tool_calls" : "stop", 12);

    public static ToolCall Call(string id, string name = "read_file", string args = """{"path":"a.txt"}""") => new(id, name, args);

    public static ToolResult Ok(ToolCall call, string content = "ok") => ToolResult.Success(call, content);
}
