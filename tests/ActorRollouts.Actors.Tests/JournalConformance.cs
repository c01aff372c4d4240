using System.Collections.Immutable;
using ActorRollouts.Core.Sessions;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using static ActorRollouts.Core.Fleets.FleetEvents;

namespace ActorRollouts.Actors.Tests;

/// <summary>What any journal we run on must do, spoken to in Akka Persistence's own protocol (the messages a persistent
/// actor sends its journal). Akka.Persistence.TCK is not served here; these are the cases its JournalSpec covers, in our
/// words: replay ranges and limits, the highest sequence number (also after deletes), atomic batches, rejected and
/// failed writes, and many writers at once. Run against our SQLite journal and against Akka.Persistence.Sql, the
/// reference: a case the reference fails is a wrong case.</summary>
public abstract class JournalConformance : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;
    private readonly string _writerUuid = Guid.NewGuid().ToString("n");
    private int _instance;

    protected JournalConformance(string plugin)
        : base(TestSystems.Config(extra: $"akka.persistence.journal.plugin = \"{plugin}\"")) { }

    protected JournalConformance(Akka.Configuration.Config config) : base(config) { }

    private IActorRef Journal => Persistence.Instance.Apply(Sys).JournalFor(null);

    /// <summary>An event our serializer knows: the fleet event naming a session.</summary>
    private static FleetSessionLaunched Event(string pid, long seq) => new($"{pid}/{seq}", At);

    private Persistent Message(string pid, long seq, object? payload = null) =>
        new(payload ?? Event(pid, seq), seq, pid, "", false, TestActor, _writerUuid);

    /// <summary>Writes each batch as one atomic write, all in one WriteMessages, and returns the per-message answers.</summary>
    private List<object> Write(params IEnumerable<Persistent>[] atomicWrites)
    {
        var id = Interlocked.Increment(ref _instance);
        var envelopes = atomicWrites.Select(w => (IPersistentEnvelope)new AtomicWrite(w.Cast<IPersistentRepresentation>().ToImmutableList())).ToList();
        Journal.Tell(new WriteMessages(envelopes, TestActor, id));
        var first = ExpectMsg<object>(Patience);
        var count = atomicWrites.Sum(w => w.Count());
        if (first is WriteMessagesFailed failed)
            return [.. Enumerable.Range(0, count).Select(_ => ExpectMsg<WriteMessageFailure>(Patience)).Cast<object>().Prepend(failed)];
        Assert.IsType<WriteMessagesSuccessful>(first);
        return [.. Enumerable.Range(0, count).Select(_ => ExpectMsg<object>(Patience))];
    }

    private void WriteEvents(string pid, long from, long to) =>
        Assert.All(Write(Enumerable.Range((int)from, (int)(to - from + 1)).Select(s => Message(pid, s)).ToArray()), a => Assert.IsType<WriteMessageSuccess>(a));

    private (List<IPersistentRepresentation> Replayed, long Highest) Replay(string pid, long from = 1, long to = long.MaxValue, long max = long.MaxValue)
    {
        Journal.Tell(new ReplayMessages(from, to, max, pid, TestActor));
        var replayed = new List<IPersistentRepresentation>();
        while (true)
        {
            switch (ExpectMsg<object>(Patience))
            {
                case ReplayedMessage m:
                    replayed.Add(m.Persistent);
                    break;
                case RecoverySuccess done:
                    return (replayed, done.HighestSequenceNr);
                case ReplayMessagesFailure failure:
                    throw new InvalidOperationException("replay failed", failure.Cause);
            }
        }
    }

    private static long[] Seqs(IEnumerable<IPersistentRepresentation> replayed) => [.. replayed.Select(p => p.SequenceNr)];

    [Fact]
    public void Replay_Everything_InOrder_WithPayloadAndId()
    {
        WriteEvents("a", 1, 5);

        var (replayed, highest) = Replay("a");

        Assert.Equal([1L, 2, 3, 4, 5], Seqs(replayed));
        Assert.Equal(5, highest);
        // (The writer's id is not compared: Akka.Persistence.Sql stores its own, not the message's.)
        Assert.All(replayed, p => Assert.Equal(("a", Event("a", p.SequenceNr)), (p.PersistenceId, p.Payload)));
    }

    [Fact]
    public void Replay_ARange_ALimit_AndNothingOutsideIt()
    {
        WriteEvents("b", 1, 5);

        Assert.Equal([2L, 3, 4], Seqs(Replay("b", from: 2, to: 4).Replayed));
        Assert.Equal([1L, 2], Seqs(Replay("b", max: 2).Replayed));
        Assert.Equal([3L], Seqs(Replay("b", from: 3, max: 1).Replayed));
        Assert.Empty(Replay("b", from: 6).Replayed);
        Assert.Empty(Replay("b", max: 0).Replayed);
        Assert.Empty(Replay("b", from: 4, to: 3).Replayed);
    }

    [Fact]
    public void Replay_AnUnknownId_IsEmptyWithHighestZero()
    {
        var (replayed, highest) = Replay("nobody");

        Assert.Empty(replayed);
        Assert.Equal(0, highest);
    }

    [Fact]
    public void DeleteTo_HidesEventsFromReplay_ButNeverLowersTheHighestSequenceNr()
    {
        WriteEvents("c", 1, 5);

        Journal.Tell(new DeleteMessagesTo("c", 3, TestActor));
        ExpectMsg<DeleteMessagesSuccess>(Patience);
        var (afterSome, highestAfterSome) = Replay("c");
        Journal.Tell(new DeleteMessagesTo("c", long.MaxValue, TestActor));
        ExpectMsg<DeleteMessagesSuccess>(Patience);
        var (afterAll, highestAfterAll) = Replay("c");

        Assert.Equal([4L, 5], Seqs(afterSome));
        Assert.Equal(5, highestAfterSome);
        Assert.Empty(afterAll);
        Assert.Equal(5, highestAfterAll);
        WriteEvents("c", 6, 6); // and the id goes on where it was
        Assert.Equal([6L], Seqs(Replay("c").Replayed));
    }

    [Fact]
    public void AtomicWrite_OfSeveralEvents_IsWrittenWhole()
    {
        var answers = Write([Message("d", 1), Message("d", 2), Message("d", 3)], [Message("d", 4)]);

        Assert.All(answers, a => Assert.IsType<WriteMessageSuccess>(a));
        Assert.Equal([1L, 2, 3, 4], Seqs(Replay("d").Replayed));
    }

    /// <summary>An event that cannot be serialised rejects its own atomic write only; the other write of the same batch
    /// lands, and the journal goes on.</summary>
    [Fact]
    public void UnserialisableEvent_RejectsItsAtomicWriteOnly()
    {
        var answers = Write([Message("e", 1)], [Message("e", 2, new NotSerialisable())], [Message("f", 1)]);

        Assert.IsType<WriteMessageSuccess>(answers[0]);
        Assert.IsType<WriteMessageRejected>(answers[1]);
        Assert.IsType<WriteMessageSuccess>(answers[2]);
        Assert.Equal([1L], Seqs(Replay("e").Replayed));
        Assert.Equal([1L], Seqs(Replay("f").Replayed));
    }

    /// <summary>A write the database refuses (a sequence number that is already there) fails, the event already stored
    /// is kept, and later writes succeed.</summary>
    [Fact]
    public void WriteTheDatabaseRefuses_Fails_KeepsWhatWasThere_AndTheJournalGoesOn()
    {
        WriteEvents("g", 1, 2);

        var answers = Write([Message("g", 2, new FleetSessionLaunched("duplicate", At))]);
        WriteEvents("g", 3, 3);

        Assert.Contains(answers, a => a is WriteMessagesFailed or WriteMessageFailure);
        var replayed = Replay("g").Replayed;
        Assert.Equal([1L, 2, 3], Seqs(replayed));
        Assert.Equal(Event("g", 2), replayed[1].Payload);
    }

    /// <summary>Many writers at once (the journal batches them into shared transactions): each id replays exactly what
    /// it wrote, in order.</summary>
    [Fact]
    public void ManyWritersAtOnce_EachReplaysItsOwnEventsInOrder()
    {
        var writers = Enumerable.Range(0, 40).Select(i => $"w{i}").ToList();
        var id = Interlocked.Increment(ref _instance);
        foreach (var seq in Enumerable.Range(1, 10))
        foreach (var pid in writers)
            Journal.Tell(new WriteMessages([new AtomicWrite(Message(pid, seq))], TestActor, id));

        var answers = ReceiveN(writers.Count * 10 * 2, Patience);

        Assert.Equal(writers.Count * 10, answers.Count(a => a is WriteMessageSuccess));
        foreach (var pid in writers)
            Assert.Equal(Enumerable.Range(1, 10).Select(s => (long)s), Seqs(Replay(pid).Replayed));
    }

    /// <summary>An event of several megabytes (a model that wrote a large file) beside small ones, in one atomic write
    /// and alone: each replays whole and in order, and the same content twice is two events.</summary>
    [Fact]
    public void LargeEvents_ReplayWhole_BesideSmallOnes()
    {
        var large = new FleetSessionLaunched(string.Concat(Enumerable.Range(0, 150_000).Select(i => $"line {i} é \"\n")), At);
        Assert.All(Write([Message("big", 1), Message("big", 2, large), Message("big", 3)], [Message("big", 4, large)]),
            a => Assert.IsType<WriteMessageSuccess>(a));

        var (replayed, highest) = Replay("big");

        Assert.Equal([1L, 2, 3, 4], Seqs(replayed));
        Assert.Equal(4, highest);
        Assert.Equal([Event("big", 1), large, Event("big", 3), large], replayed.Select(p => p.Payload));
    }

    private sealed record NotSerialisable : IRolloutEvent
    {
        public DateTimeOffset Timestamp => At;
    }
}

public sealed class OurSqliteJournalConformance() : JournalConformance("akka.persistence.journal.actor-rollouts-sqlite");

public sealed class AkkaPersistenceSqlConformance() : JournalConformance("akka.persistence.journal.sql");

/// <summary>Akka.Persistence.Sql on a real PostgreSQL 15 (the shared journal of <c>--journal-url</c>), in a database of
/// its own with the tables <see cref="Storage.PostgresSchema"/> creates.</summary>
public sealed class PostgresJournalConformance() : JournalConformance(TestSystems.PostgresConfig());
