using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;
using static ActorRollouts.Core.Sessions.SessionInputs;

namespace ActorRollouts.Bench;

/// <summary>A finished session of about N events, produced by the real decider: turns of model call → read_file → result.</summary>
public static class SyntheticSession
{
    public static SessionSpec Spec(string sessionId) => new(sessionId, "bench", sessionId.Split(':')[1], 0, "go", "system prompt",
        new Endpoint("http://127.0.0.1:9/v1", "gpt-4o"), 1_000_000, null, ["read_file"]);

    public static ImmutableList<SessionEvents.ISessionEvent> History(string sessionId, int events)
    {
        var now = DateTimeOffset.UnixEpoch;
        var state = SessionState.Empty;
        var all = ImmutableList.CreateBuilder<SessionEvents.ISessionEvent>();
        void Feed(ISessionInput input)
        {
            var batch = SessionDecider.Decide(state, input);
            all.AddRange(batch);
            state = batch.Aggregate(state, (s, e) => s.Apply(e));
        }
        Feed(new Start(Spec(sessionId), "/ws/none", now));
        for (var turn = 1; all.Count < events - 1; turn++)
        {
            var call = new ToolCall($"c{turn}", "read_file", """{"path":"a.txt"}""");
            Feed(new ModelAttemptStarting(turn, 1, now));
            Feed(new ModelResponded(turn, new ModelResponse($"r{turn}", Message.Assistant($"turn {turn}: reading the file again", [call]), new Usage(1000, 20), "tool_calls", 1), now));
            Feed(new ToolStarting(call, now));
            Feed(new ToolFinished(ToolResult.Success(call, "     1\talpha\n     2\tbeta\n"), 1, now));
        }
        Feed(new Finish(StopReasons.Done, now));
        return all.ToImmutable();
    }
}
