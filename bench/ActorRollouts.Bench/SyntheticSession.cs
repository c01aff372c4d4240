using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;
using static ActorRollouts.Core.Sessions.SessionInputs;

namespace ActorRollouts.Bench;

/// <summary>A finished session of about N events, produced by the real decider: turns of model call → read_file → result,
/// journaled as the session actor journals them: one row per write (<see cref="CoarseEvents.Row"/>), each a step's end
/// with the next step's start.</summary>
public static class SyntheticSession
{
    public static SessionSpec Spec(string sessionId) => new(sessionId, "bench", sessionId.Split(':')[1], 0, "go", "system prompt",
        new Endpoint("http://127.0.0.1:9/v1", "gpt-4o"), 1_000_000, null, ["read_file"]);

    /// <summary>The rows of a session of about <paramref name="events"/> events (trace lines), in order.</summary>
    public static ImmutableList<SessionEvents.ISessionEvent> History(string sessionId, int events)
    {
        var now = DateTimeOffset.UnixEpoch;
        var state = SessionState.Empty;
        var rows = ImmutableList.CreateBuilder<SessionEvents.ISessionEvent>();
        var written = 0;
        void Step(ISessionInput input)
        {
            var (batch, _) = SessionDecider.Step(state, input, now);
            rows.Add(CoarseEvents.Row(batch));
            written += batch.Count;
            state = batch.Aggregate(state, (s, e) => s.Apply(e));
        }
        Step(new Start(Spec(sessionId), "/ws/none", now));
        for (var turn = 1; written < events - 4; turn++)
        {
            var call = new ToolCall($"c{turn}", "read_file", """{"path":"a.txt"}""");
            Step(new ModelResponded(turn, new ModelResponse($"r{turn}", Message.Assistant($"turn {turn}: reading the file again", [call]), new Usage(1000, 20), "tool_calls", 1), now));
            Step(new ToolFinished(ToolResult.Success(call, "     1\talpha\n     2\tbeta\n"), 1, now));
        }
        Step(new ModelResponded(state.Turns + 1, new ModelResponse("last", Message.Assistant("done"), new Usage(1000, 5), "stop", 1), now));
        return rows.ToImmutable();
    }
}
