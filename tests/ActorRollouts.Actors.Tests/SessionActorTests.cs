using ActorRollouts.Actors.Sessions;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Environments;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorRollouts.Actors.Sessions.SessionCommands;
using static ActorRollouts.Actors.Sessions.SessionNotifications;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Tests;

public class SessionActorTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _dataDir;

    public SessionActorTests() : this(TestSystems.NewDataDir()) { }

    private SessionActorTests(string dataDir) : base(TestSystems.Config(dataDir)) => _dataDir = dataDir;

    private const string ReadWriteDone = """
        { "scenarios": [ { "turns": [
            { "content": "Reading.", "tool_calls": [ { "name": "read_file", "arguments": { "path": "a.txt" } } ] },
            { "tool_calls": [ { "name": "write_file", "arguments": { "path": "b.txt", "content": "copied\n" } } ] },
            { "content": "Done." } ] } ] }
        """;

    [Fact]
    public async Task Session_ScriptedToolUse_CompletesAndJournalsEveryStepInOrder()
    {
        await using var server = await Fixtures.Server(ReadWriteDone);
        var spec = Fixtures.Spec("f1", "copy", "copy a to b", server.BaseUrl, Fixtures.Template(_dataDir, ("a.txt", "alpha\n")));
        var parent = Sys.ActorOf(StepParent.Props(SessionActor.Props(spec.SessionId, Fixtures.Services(Sys, _dataDir)), TestActor));

        parent.Tell(new StartSession(spec));

        var ended = ExpectMsg<SessionEnded>(Patience);
        Assert.Equal(("completed", "done"), (ended.Status, ended.StopReason));
        var events = await new JournalReader(Sys).SessionEventsAsync(spec.SessionId);
        // 6 rows, one per write, read back as the events they stand for, each under its row's sequence number.
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), events.Select(e => e.Seq).Distinct());
        Assert.Equal(events.Select(e => e.Seq).Order(), events.Select(e => e.Seq));
        Assert.Equal(
            ["SessionStarted", "MessageAppended", "MessageAppended",
             "ModelRequestStarted", "ModelResponseReceived", "MessageAppended", "UsageUpdated", "ToolCallStarted", "ToolCallCompleted", "MessageAppended",
             "ModelRequestStarted", "ModelResponseReceived", "MessageAppended", "UsageUpdated", "ToolCallStarted", "ToolCallCompleted", "FileChanged", "MessageAppended",
             "ModelRequestStarted", "ModelResponseReceived", "MessageAppended", "UsageUpdated", "SessionCompleted"],
            events.Select(e => e.Event.GetType().Name));
        var state = SessionState.From(events.Select(e => e.Event));
        Assert.Contains("alpha", state.Messages.Single(m => m.ToolCallId is not null && m.ToolResult!.Name == "read_file").Content);
        Assert.Equal("copied\n", File.ReadAllText(Path.Combine(Workspace.UpperOf(state.Workspace!), "b.txt"))); // the session holds only its changes
        var created = events.Select(e => e.Event).OfType<FileChanged>().Single().Change;
        Assert.Equal(("b.txt", FileChangeKinds.Created, 7L), (created.Path, created.Change, created.NewBytes));
        Assert.Equal(3, Fixtures.ModelCalls(server).Count);
    }

    [Fact]
    public async Task Session_UnknownToolAndBrokenArguments_GetErrorResultsAndSessionGoesOn()
    {
        await using var server = await Fixtures.Server("""
            { "scenarios": [ { "turns": [
                { "tool_calls": [ { "name": "teleport", "arguments": { "to": "mars" } },
                                  { "name": "write_file", "arguments_raw": "{\"path\": \"x.txt\", \"content\": " } ] },
                { "content": "I give up gracefully." } ] } ] }
            """);
        var spec = Fixtures.Spec("f2", "bad", "misbehave", server.BaseUrl);
        var parent = Sys.ActorOf(StepParent.Props(SessionActor.Props(spec.SessionId, Fixtures.Services(Sys, _dataDir)), TestActor));

        parent.Tell(new StartSession(spec));

        var ended = ExpectMsg<SessionEnded>(Patience);
        Assert.Equal(("completed", "done"), (ended.Status, ended.StopReason));
        var results = (await new JournalReader(Sys).SessionEventsAsync(spec.SessionId))
            .Select(e => e.Event).OfType<ToolCallCompleted>().Select(c => c.Result).ToList();
        Assert.Equal([ErrorCodes.ToolUnknown, ErrorCodes.Validation], results.Select(r => r.ErrorCode));
        Assert.Contains("teleport", results[0].Content);
        Assert.Equal(2, Fixtures.ModelCalls(server).Count); // the model saw the errors and answered once more
    }

    [Fact]
    public async Task Session_UnreachableModel_FailsWithJournaledReadableReasonAfterRetries()
    {
        var spec = Fixtures.Spec("f3", "offline", "hello", new Uri("http://127.0.0.1:1/v1"));
        var parent = Sys.ActorOf(StepParent.Props(SessionActor.Props(spec.SessionId, Fixtures.Services(Sys, _dataDir)), TestActor));

        parent.Tell(new StartSession(spec));

        var ended = ExpectMsg<SessionEnded>(Patience);
        Assert.Equal("failed", ended.Status);
        var events = (await new JournalReader(Sys).SessionEventsAsync(spec.SessionId)).Select(e => e.Event).ToList();
        var failures = events.OfType<ModelRequestFailed>().ToList();
        Assert.Equal([(1, true), (2, false)], failures.Select(f => (f.Attempt, f.WillRetry)));
        Assert.All(failures, f => Assert.Equal(ModelErrorKinds.Connection, f.ErrorKind));
        var failed = Assert.IsType<SessionFailed>(events[^1]);
        Assert.Contains("refused", failed.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("127.0.0.1:1", failed.Error);
    }

    [Fact]
    public async Task Session_StreamedDeltas_ArePublishedOnTheEventStreamWhileTheJournalKeepsTheAssembledMessage()
    {
        await using var server = await Fixtures.Server(ReadWriteDone);
        var spec = Fixtures.Spec("f4", "deltas", "copy", server.BaseUrl, Fixtures.Template(_dataDir, ("a.txt", "alpha\n")));
        var watcher = CreateTestProbe();
        Sys.EventStream.Subscribe(watcher, typeof(SessionDelta));
        using var watch = DeltaWatch.For(Sys).Watch(spec.SessionId);
        var parent = Sys.ActorOf(StepParent.Props(SessionActor.Props(spec.SessionId, Fixtures.Services(Sys, _dataDir)), TestActor));

        parent.Tell(new StartSession(spec));

        ExpectMsg<SessionEnded>(Patience);
        // Every delta was published before the response was journaled; drain what the watcher got.
        var deltas = watcher.ReceiveWhile(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(300), m => m as SessionDelta).OfType<SessionDelta>().ToList();
        Assert.All(deltas, d => Assert.Equal(spec.SessionId, d.SessionId));
        Assert.Equal("Reading.", string.Concat(deltas.Where(d => d.Turn == 1 && d.Delta.Kind == ModelDelta.TextKind).Select(d => d.Delta.Text)));
        Assert.Equal("""{"path":"b.txt","content":"copied\n"}""",
            string.Concat(deltas.Where(d => d.Turn == 2 && d.Delta.Kind == ModelDelta.ToolArgumentsKind).Select(d => d.Delta.Text)));
        var journal = (await new JournalReader(Sys).SessionEventsAsync(spec.SessionId)).Select(e => e.Event).ToList();
        Assert.Equal("Reading.", journal.OfType<MessageAppended>().First(m => m.Message.Role == Roles.Assistant).Message.Content);
        Assert.True(deltas.Count > journal.Count(e => e is MessageAppended), "deltas are finer than messages and none of them is journaled");
    }

    [Fact]
    public async Task Session_NobodyWatching_NoDeltaIsPublished()
    {
        await using var server = await Fixtures.Server(ReadWriteDone);
        var spec = Fixtures.Spec("f4", "unwatched", "copy", server.BaseUrl, Fixtures.Template(_dataDir, ("a.txt", "alpha\n")));
        var listener = CreateTestProbe();
        Sys.EventStream.Subscribe(listener, typeof(SessionDelta));
        DeltaWatch.For(Sys).Watch("f4:someone-else:0").Dispose(); // a watch that ended counts for nothing
        var parent = Sys.ActorOf(StepParent.Props(SessionActor.Props(spec.SessionId, Fixtures.Services(Sys, _dataDir)), TestActor));

        parent.Tell(new StartSession(spec));

        ExpectMsg<SessionEnded>(Patience);
        // Deltas would have been published before the response was journaled, so before the session ended.
        Assert.False(listener.HasMessages, "a delta was published for a session nobody watches");
        Assert.False(DeltaWatch.For(Sys).IsWatched("f4:someone-else:0"));
    }
}
