using System.Collections.Immutable;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using static ActorRollouts.Actors.Sessions.SessionCommands;
using static ActorRollouts.Actors.Sessions.SessionNotifications;
using static ActorRollouts.Core.Sessions.SessionEvents;
using static ActorRollouts.Core.Sessions.SessionInputs;

namespace ActorRollouts.Actors.Tests;

/// <summary>Long sessions recover from a snapshot plus the events after it; the journal keeps every event.</summary>
public class SnapshotTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _dataDir;

    public SnapshotTests() : this(TestSystems.NewDataDir()) { }

    private SnapshotTests(string dataDir)
        : base(TestSystems.Config(dataDir, "actor-rollouts.session.snapshot-every = 100\n" + ReplayCounter.Config)) => _dataDir = dataDir;

    /// <summary>A finished session of about <paramref name="events"/> events, made by the real decider: turns of
    /// model call → one read_file → result.</summary>
    private static ImmutableList<ISessionEvent> History(string sessionId, int events)
    {
        var spec = Fixtures.Spec("snap", sessionId.Split(':')[1], "go", new Uri("http://127.0.0.1:9/v1"), maxTurns: 10_000) with { SessionId = sessionId };
        var now = DateTimeOffset.UnixEpoch;
        var state = SessionState.Empty;
        var all = ImmutableList.CreateBuilder<ISessionEvent>();
        void Feed(ISessionInput input)
        {
            var batch = SessionDecider.Decide(state, input);
            all.AddRange(batch);
            state = batch.Aggregate(state, (s, e) => s.Apply(e));
        }
        Feed(new Start(spec, "/ws/none", now));
        for (var turn = 1; all.Count < events - 1; turn++)
        {
            var call = new ToolCall($"c{turn}", "read_file", """{"path":"a.txt"}""");
            Feed(new ModelAttemptStarting(turn, 1, now));
            Feed(new ModelResponded(turn, new ModelResponse($"r{turn}", Message.Assistant($"turn {turn}", [call]), new Usage(10, 2), "tool_calls", 1), now));
            Feed(new ToolStarting(call, now));
            Feed(new ToolFinished(ToolResult.Success(call, "alpha"), 1, now));
        }
        Feed(new Finish(StopReasons.Done, now));
        return all.ToImmutable();
    }

    private sealed class HistoryWriter : ReceivePersistentActor
    {
        public override string PersistenceId { get; }

        public HistoryWriter(string id, ImmutableList<ISessionEvent> events)
        {
            PersistenceId = id;
            Command<string>(_ =>
            {
                var sender = Sender;
                var left = events.Count;
                PersistAll(events, _ => { if (--left == 0) sender.Tell("written"); });
            });
        }
    }

    private void Write(string sessionId, ImmutableList<ISessionEvent> events)
    {
        Sys.ActorOf(Props.Create(() => new HistoryWriter(sessionId, events))).Tell("write");
        ExpectMsg("written", Patience);
    }

    /// <summary>Starts a session actor on an existing journal, lets it report how the session ended, and counts the
    /// events the journal replayed to it.</summary>
    private int Recover(string sessionId, Action? whileAlive = null)
    {
        ReplayCounter.Reset(Sys);
        var parent = Sys.ActorOf(StepParent.Props(SessionActor.Props(sessionId, Fixtures.Services(Sys, _dataDir)), TestActor));
        parent.Tell(new StartSession(Fixtures.Spec("snap", "x", "go", new Uri("http://127.0.0.1:9/v1")) with { SessionId = sessionId }));
        var ended = ExpectMsg<SessionEnded>(Patience);
        Assert.Equal("completed", ended.Status);
        whileAlive?.Invoke();
        Watch(parent);
        Sys.Stop(parent);
        ExpectTerminated(parent, Patience);
        return ReplayCounter.Replayed(Sys);
    }

    private async Task<SelectedSnapshot?> LatestSnapshot(string sessionId) =>
        (await Persistence.Instance.Apply(Sys).SnapshotStoreFor(null)
            .Ask<LoadSnapshotResult>(new LoadSnapshot(sessionId, SnapshotSelectionCriteria.Latest, long.MaxValue), Patience)).Snapshot;

    /// <summary>Structural, not timed: what a recovery costs is how many events it reads.</summary>
    [Fact]
    public async Task LongSession_WithSnapshots_RecoversFromTheSnapshotReplayingOnlyWhatCameAfterAndKeepsEveryEvent()
    {
        const string longId = "snap:long:0";
        Write(longId, History(longId, 2000));
        var written = (await new JournalReader(Sys).SessionEventsAsync(longId)).Count;

        var fullReplay = Recover(longId);     // no snapshot yet: every event, then a snapshot right after the long replay
        SelectedSnapshot? snapshot = null;
        await AwaitAssertAsync(async () => Assert.NotNull(snapshot = await LatestSnapshot(longId)), Patience);
        var fromSnapshot = Recover(longId);

        Assert.Equal(written, fullReplay);
        Assert.Equal(written, snapshot!.Metadata.SequenceNr);
        Assert.Equal(0, fromSnapshot); // the snapshot holds the whole state: nothing after it to replay
        var journal = await new JournalReader(Sys).SessionEventsAsync(longId);
        Assert.True(journal.Count >= 1999);                                        // snapshots never delete events
        Assert.Equal(Enumerable.Range(1, journal.Count).Select(i => (long)i), journal.Select(e => e.Seq));
    }

    /// <summary>A journal from before retention kept every snapshot; the first save after it deletes all but the newest
    /// two (HOCON <c>session.snapshots-kept = 2</c>), and the session still recovers from the newest.</summary>
    [Fact]
    public async Task SnapshotSaved_KeepsTheNewestTwo_DeletingOlderOnesItWasNeverToldAbout()
    {
        const string id = "snap:kept:0";
        var history = History(id, 2000);
        Write(id, history);
        var store = Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        foreach (var seq in new[] { 100L, 200L, 300L })
        {
            var state = history.Take((int)seq).Aggregate(SessionState.Empty, (s, e) => s.Apply(e));
            await store.Ask<SaveSnapshotSuccess>(new SaveSnapshot(new SnapshotMetadata(id, seq, DateTime.UtcNow), state), Patience);
        }
        Assert.Equal([100L, 200L, 300L], SnapshotRows(id));

        // From the snapshot at 300, replaying the rest: long enough to save one at the end, and then to delete.
        var replayed = Recover(id, () => AwaitAssert(() => Assert.Equal([300L, history.Count], SnapshotRows(id)), Patience));

        Assert.Equal(history.Count - 300, replayed);
        Assert.Equal(0, Recover(id));
    }

    [Theory]
    [InlineData(1, new long[] { 0, 10, 20, 30 }, new long[] { 9, 19, 29 })]
    [InlineData(2, new long[] { 0, 10, 20, 30 }, new long[] { 9, 19 })]
    [InlineData(3, new long[] { 10, 20, 30 }, new long[] { 9 })]
    public void SnapshotRetention_DeletesUpToJustBelowTheOldestKept(int kept, long[] saves, long[] deletes)
    {
        var retention = new SnapshotRetention(kept);
        var asked = new List<long>();
        foreach (var seq in saves)
            if (retention.Saved(seq) is { } upTo) asked.Add(upTo);
        Assert.Equal(deletes, asked);
    }

    private List<long> SnapshotRows(string persistenceId)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dataDir, "journal.db")};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence_number FROM snapshot WHERE persistence_id = $id ORDER BY sequence_number";
        command.Parameters.AddWithValue("$id", persistenceId);
        using var reader = command.ExecuteReader();
        var rows = new List<long>();
        while (reader.Read()) rows.Add(reader.GetInt64(0));
        return rows;
    }

    [Fact]
    public void Snapshot_SessionState_RoundTripsThroughOurSerializer()
    {
        var state = History("snap:rt:0", 60).Aggregate(SessionState.Empty, (s, e) => s.Apply(e));
        var serializer = Assert.IsType<Serialization.RolloutEventSerializer>(Sys.Serialization.FindSerializerFor(state));

        var back = (SessionState)serializer.FromBinary(serializer.ToBinary(state), serializer.Manifest(state));

        Assert.Equal("session-state-snapshot.v1", serializer.Manifest(state));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(state, Core.Json.RolloutJson.Options), System.Text.Json.JsonSerializer.Serialize(back, Core.Json.RolloutJson.Options));
        Assert.Equal((state.Turns, state.Status, state.Messages.Count), (back.Turns, back.Status, back.Messages.Count));
    }
}
