using System.Collections.Immutable;
using ActorRollouts.Core.Context;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;
using static ActorRollouts.Core.Sessions.SessionInputs;

namespace ActorRollouts.Core.Tests;

/// <summary>Trim: before a request that would pass the trigger, the text of older tool results is replaced by a stub,
/// journaled with the request; the last turns and every call id stay.</summary>
public class ContextPolicyTests
{
    private static SessionState LongSession(ContextSpec context, int turns, int resultBytes)
    {
        var state = Given.Run(SessionState.Empty, new Start(Given.Spec(maxTurns: 100) with { Context = context }, "/ws", Given.T0));
        for (var turn = 1; turn <= turns; turn++)
        {
            var call = Given.Call($"c{turn}");
            state = Given.Run(state, new ModelAttemptStarting(turn, 1, Given.T0),
                new ModelResponded(turn, Given.Answer(null, call) with { Usage = new Usage(ContextPolicy.Estimate(state), 10) }, Given.T0),
                new ToolStarting(call, Given.T0), new ToolFinished(Given.Ok(call, new string('x', resultBytes)), 1, Given.T0));
        }
        return state;
    }

    [Fact]
    public void Trim_PastTheTrigger_StubsOlderToolResults_KeepsTheLastTurnsAndEveryCall_InTheRequestsWrite()
    {
        var state = LongSession(new ContextSpec(4000, ContextSpec.Trim, 0.85, KeepLastTurns: 2), turns: 6, resultBytes: 4000);

        var (events, next) = SessionDecider.StartNext(state, Given.T0);

        var compacted = Assert.IsType<SessionEvents.ContextCompacted>(events[0]);
        Assert.IsType<SessionEvents.ModelRequestStarted>(events[1]);
        Assert.Equal(new SessionEffect.CallModel(7), next);
        Assert.Equal(["c1", "c2", "c3", "c4"], compacted.Removed.Select(r => r.ToolCallId));
        Assert.True(compacted.TokensBefore > 3400 && compacted.TokensAfter < compacted.TokensBefore - 3900);
        var after = events.Aggregate(state, (s, e) => s.Apply(e));
        var tools = after.Messages.Where(m => m.Role == Roles.Tool).ToList();
        Assert.Equal(ContextPolicy.Stub("read_file", 4000), tools[0].Content);
        Assert.Equal(4000, tools[5].Content!.Length); // the last turns' results stay whole
        Assert.Equal(state.Messages.Select(m => m.ToolCallId ?? m.ToolCalls?[0].Id), after.Messages.Select(m => m.ToolCallId ?? m.ToolCalls?[0].Id));
        Assert.Null(ContextPolicy.Compaction(after, Given.T0)); // nothing left to trim: no second compaction
    }

    [Fact]
    public void UnderTheTrigger_OrWithStrategyNone_NothingIsCompacted()
    {
        Assert.Null(ContextPolicy.Compaction(LongSession(new ContextSpec(400_000, ContextSpec.Trim), 6, 4000), Given.T0));
        Assert.Null(ContextPolicy.Compaction(LongSession(new ContextSpec(4000, ContextSpec.None), 6, 4000), Given.T0));
    }

    [Theory]
    [InlineData("""{"strategy": "trim"}""", "'window_tokens' is required")]
    [InlineData("""{"window_tokens": 8000, "strategy": "summarize"}""", "strategy 'summarize' is not built yet")]
    [InlineData("""{"window_tokens": 8000, "strategy": "shrink"}""", "'strategy' must be \"none\" or \"trim\"")]
    [InlineData("""{"window_tokens": 8000, "trigger": 1.5}""", "'trigger' must be a fraction")]
    public void TheContextField_IsCheckedWithItsLine(string context, string expected)
    {
        var error = Assert.Throws<TaskFileException>(() =>
            TaskFile.Parse([$$"""{"id": "a", "prompt": "p", "context": {{context}}}"""], "tasks.jsonl", "/", _ => true));

        Assert.StartsWith("tasks.jsonl:1: context: ", error.Message);
        Assert.Contains(expected, error.Message);
    }
}
