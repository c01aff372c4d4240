using System.Text.Json;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Trace;
using static ActorRollouts.Core.Sessions.SessionEvents;
using static ActorRollouts.Core.Sessions.SessionInputs;
using static ActorRollouts.Core.Tests.Given;

namespace ActorRollouts.Core.Tests;

/// <summary><see cref="CoarseEvents"/>: a step's batch becomes fewer journal rows, and the rows give back exactly the
/// events the decider made, so the state, the trace and everything read from the journal stay the same.</summary>
public class CoarseEventsTests
{
    private static readonly ToolCall Write = Call("c2", "write_file", """{"path":"b.txt","content":"hi\n"}""");

    /// <summary>The batches of a session that reads, writes (changing two files), is refused a delete and stops: each
    /// step's events as the decider journals them in one write.</summary>
    private static List<List<ISessionEvent>> Batches()
    {
        var read = Call("c1");
        var delete = Call("c3", "delete_file", """{"path":"a.txt"}""");
        var changes = new[]
        {
            new FileChange("b.txt", FileChangeKinds.Created, null, 3, "--- /dev/null\n+++ b/b.txt\n@@ -0,0 +1 @@\n+hi\n", "ab"),
            new FileChange("c.txt", FileChangeKinds.Deleted, 4, null, null, null),
        };
        ISessionInput[] inputs =
        [
            new Start(Spec() with { ConfirmTools = ["delete_file"] }, "/ws", T0),
            new ModelResponded(1, Answer("reading", read), T0.AddSeconds(1), 0.001m),
            new ToolFinished(Ok(read, "alpha"), 3, T0.AddSeconds(2)),
            new ModelResponded(2, Answer(null, Write, delete), T0.AddSeconds(3), 0.002m),
            new ToolFinished(Ok(Write, "wrote 3 bytes"), 4, T0.AddSeconds(4), [.. changes]),
            new ConfirmationAnswered("c3", false, "policy:deny", T0.AddSeconds(5)),
            new Stop(StopReasons.Cancelled, "cancelled by a test", T0.AddSeconds(6)),
        ];
        var state = SessionState.Empty;
        var batches = new List<List<ISessionEvent>>();
        foreach (var input in inputs)
        {
            var (events, _) = SessionDecider.Step(state, input, input switch { Start s => s.Now, _ => T0.AddSeconds(9) });
            Assert.NotEmpty(events);
            batches.Add([.. events]);
            state = events.Aggregate(state, (s, e) => s.Apply(e));
        }
        return batches;
    }

    [Fact]
    public void Coarsen_ThenExpand_GivesBackExactlyTheDecidersEvents()
    {
        foreach (var batch in Batches())
        {
            var rows = CoarseEvents.Coarsen(batch);
            Assert.Equal(Json(batch), Json(rows.SelectMany(CoarseEvents.Expand)));
        }
    }

    [Fact]
    public void Coarsen_AnAnswerAndAToolCallsEnd_AreOneRowEach()
    {
        var rows = Batches().Select(b => CoarseEvents.Coarsen(b).Select(e => e.GetType().Name).ToList()).ToList();

        Assert.Equal(["ModelReplied", "ToolCallStarted"], rows[1]);
        Assert.Equal(["ToolCallFinished", "ModelRequestStarted"], rows[2]);
        Assert.Equal(["ToolCallFinished", "ConfirmationRequested"], rows[4]);                    // with its two file changes inside
        Assert.Equal(2, Assert.IsType<ToolCallFinished>(CoarseEvents.Coarsen(Batches()[4])[0]).Changes.Count);
        Assert.Equal(["ConfirmationResolved", "ToolCallFinished", "ModelRequestStarted"], rows[5]); // a refusal answers the call
        Assert.Equal(["SessionCompleted"], rows[6]);
    }

    [Fact]
    public void Row_OfAWrite_IsOneRowThatGivesBackItsEvents()
    {
        foreach (var batch in Batches())
        {
            var row = CoarseEvents.Row(batch);
            Assert.Equal(Json(batch), Json(CoarseEvents.Expand(row)));
            Assert.Equal(CoarseEvents.Coarsen(batch).Count > 1, row is EventBatch);
        }
    }

    [Fact]
    public void Apply_ACoarseRow_FoldsTheSameStateAsItsEvents()
    {
        var events = Batches().SelectMany(b => b).ToList();
        var rows = Batches().Select(CoarseEvents.Row).ToList();

        Assert.True(rows.Count < events.Count);
        Assert.Equal(Json(SessionState.From(events)), Json(SessionState.From(rows)));
    }

    [Fact]
    public void Trace_OfCoarseRows_IsTheSameLinesAsOfTheirEvents_UnderTheRowsSequenceNumbers()
    {
        var events = Batches().SelectMany(b => b).ToList();
        var rows = Batches().Select(CoarseEvents.Row).ToList();

        var fine = SessionTrace.Lines(events.Select((e, i) => ((long)i + 1, e))).ToList();
        var coarse = SessionTrace.Lines(rows.Select((e, i) => ((long)i + 1, e))).ToList();

        Assert.Equal(fine.Select(WithoutSeq), coarse.Select(WithoutSeq));
        Assert.Equal(rows.Count, coarse.Select(l => (long)l["seq"]!).Distinct().Count());
    }

    [Fact]
    public void Coarsen_LeavesAloneWhatItCannotGiveBackExactly()
    {
        var call = Call("c1");
        var result = Ok(call, "alpha");
        ISessionEvent[] differentTimes =
        [
            new ModelResponseReceived(1, "r", new Usage(1, 1), "tool_calls", 5, T0),
            new MessageAppended(Message.Assistant("x", [call]), T0.AddMilliseconds(1)),
            new UsageUpdated(new Usage(1, 1), 0m, T0),
        ];
        ISessionEvent[] otherToolMessage =
        [
            new ToolCallCompleted(result, 1, T0),
            new MessageAppended(Message.ToolMessage(result with { Content = "something else" }), T0),
        ];

        Assert.Equal(differentTimes, CoarseEvents.Coarsen(differentTimes));
        Assert.Equal(otherToolMessage, CoarseEvents.Coarsen(otherToolMessage));
    }

    private static string WithoutSeq(System.Text.Json.Nodes.JsonObject line)
    {
        var copy = line.DeepClone().AsObject();
        copy.Remove("seq");
        return copy.ToJsonString();
    }

    private static string Json(IEnumerable<ISessionEvent> events) =>
        JsonSerializer.Serialize(events.Select(e => JsonSerializer.SerializeToNode(e, e.GetType(), RolloutJson.Options)), RolloutJson.Options);

    private static string Json(SessionState state) => JsonSerializer.Serialize(state, RolloutJson.Options);
}
