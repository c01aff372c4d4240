using System.Collections.Immutable;
using ActorRollouts.Actors.Trace;
using Akka.Actor;
using Akka.Persistence;
using Akka.Streams;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using static ActorRollouts.Core.Fleets.FleetEvents;

namespace ActorRollouts.Actors.Tests;

/// <summary><see cref="JournalReader"/> reads an embedded journal straight from the SQLite file. It must give what
/// Akka.Persistence.Sql's read journal gives on the same file — the reference — and follow a persistence id live.</summary>
public class JournalReaderSourceTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;
    private readonly string _dataDir;

    public JournalReaderSourceTests() : this(TestSystems.NewDataDir()) { }

    private JournalReaderSourceTests(string dataDir) : base(TestSystems.Config(dataDir)) => _dataDir = dataDir;

    private IActorRef Journal => Persistence.Instance.Apply(Sys).JournalFor(null);

    private void Write(string pid, long seq, object? payload = null)
    {
        Journal.Tell(new WriteMessages([new AtomicWrite(new Persistent(payload ?? new FleetSessionLaunched($"{pid}/{seq}", At), seq, pid, "", false, TestActor, "w"))], TestActor, 1));
        ExpectMsg<WriteMessagesSuccessful>(Patience);
        ExpectMsg<WriteMessageSuccess>(Patience);
    }

    [Fact]
    public async Task TheFileDirectly_GivesWhatPersistenceQueryGives()
    {
        var large = new FleetSessionLaunched(string.Concat(Enumerable.Range(0, 150_000).Select(i => $"line {i} é \"\n")), At);
        foreach (var seq in Enumerable.Range(1, 6)) Write("a", seq, seq == 3 ? large : null); // a row stored apart among them
        foreach (var seq in Enumerable.Range(1, 3)) Write("b", seq);
        Journal.Tell(new DeleteMessagesTo("b", 2, TestActor));
        ExpectMsg<DeleteMessagesSuccess>(Patience);
        var direct = SqliteJournalEvents.For(Sys) ?? throw new InvalidOperationException("the test system journals to SQLite");
        var reference = new PersistenceQueryEvents(Sys);

        foreach (var (pid, from) in new[] { ("a", 0L), ("a", 1L), ("a", 4L), ("a", 7L), ("b", 0L), ("nobody", 0L) })
            Assert.Equal(await reference.CurrentAsync(pid, from), await direct.CurrentAsync(pid, from));
        Assert.Equal((await reference.PersistenceIdsAsync()).Order(), (await direct.PersistenceIdsAsync()).Order());
        Assert.Equal([4L, 5, 6], (await direct.CurrentAsync("a", 4)).Select(e => e.Seq));
        Assert.Equal(large, (await direct.CurrentAsync("a", 3))[0].Event);
        Assert.Equal([3L], (await direct.CurrentAsync("b", 0)).Select(e => e.Seq)); // deleted events are left out
    }

    /// <summary>A fleet's first <c>run</c> reads its journal before the journal plugin has created the tables.</summary>
    [Fact]
    public async Task AFileWithoutAJournalYet_ReadsEmpty_AndCreatesNothing()
    {
        var direct = SqliteJournalEvents.For(Sys)!;

        Assert.Empty(await direct.CurrentAsync("fleet:anything", 0));
        Assert.Empty(await direct.PersistenceIdsAsync());
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_dataDir, "journal.db")};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'";
        Assert.Equal(0L, command.ExecuteScalar());
    }

    [Fact]
    public void Follow_DeliversWhatIsThere_ThenEachNewEventOnce()
    {
        Write("control", 1);
        Write("control", 2);
        var follower = CreateTestProbe();
        var lifetime = Sys.Materializer();

        SqliteJournalEvents.For(Sys)!.Follow("control", e => follower.Tell(e), lifetime);
        Assert.Equal(new FleetSessionLaunched("control/1", At), follower.ExpectMsg<FleetSessionLaunched>(Patience));
        Assert.Equal(new FleetSessionLaunched("control/2", At), follower.ExpectMsg<FleetSessionLaunched>(Patience));
        Write("control", 3);

        Assert.Equal(new FleetSessionLaunched("control/3", At), follower.ExpectMsg<FleetSessionLaunched>(Patience));
        follower.ExpectNoMsg(TimeSpan.FromMilliseconds(500)); // nothing delivered twice across several polls
        lifetime.Shutdown();
    }
}
