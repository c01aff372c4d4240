using ActorRollouts.Core.Sessions;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;

namespace ActorRollouts.Actors.Tests;

/// <summary>What any snapshot store we run on must do, spoken to in Akka Persistence's own protocol. Akka.Persistence.TCK
/// is not served here; these are the cases its SnapshotStoreSpec covers, in our words: no snapshot for an unknown id,
/// the newest one, upper bounds on sequence number and time, deleting one and deleting by bounds, a second save at the
/// same sequence number, and a large snapshot. Run against our SQLite snapshot store and against Akka.Persistence.Sql,
/// the reference: a case the reference fails is a wrong case.</summary>
public abstract class SnapshotStoreConformance : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    protected SnapshotStoreConformance(string plugin)
        : base(TestSystems.Config(extra: $"akka.persistence.snapshot-store.plugin = \"{plugin}\"")) { }

    protected SnapshotStoreConformance(Akka.Configuration.Config config) : base(config) { }

    private IActorRef Store => Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);

    /// <summary>A snapshot our serializer knows, telling which save it was.</summary>
    private static SessionState State(string label) => SessionState.Empty with { Workspace = label };

    /// <summary>Saves snapshots at <paramref name="seqs"/> in turn; returns their metadata as the store confirmed it.</summary>
    private List<SnapshotMetadata> Save(string pid, params long[] seqs) =>
        [.. seqs.Select(seq =>
        {
            Store.Tell(new SaveSnapshot(new SnapshotMetadata(pid, seq, DateTime.UtcNow), State($"{pid}/{seq}")), TestActor);
            return ExpectMsg<SaveSnapshotSuccess>(Patience).Metadata;
        })];

    private SelectedSnapshot? Load(string pid, SnapshotSelectionCriteria criteria, long toSequenceNr = long.MaxValue)
    {
        Store.Tell(new LoadSnapshot(pid, criteria, toSequenceNr), TestActor);
        return ExpectMsg<LoadSnapshotResult>(Patience).Snapshot;
    }

    private static (long Seq, string? Label) Of(SelectedSnapshot? selected) =>
        selected is null ? (0, null) : (selected.Metadata.SequenceNr, ((SessionState)selected.Snapshot).Workspace);

    [Fact]
    public void Load_AnUnknownId_FindsNothing()
    {
        Save("known", 1);

        Assert.Null(Load("unknown", SnapshotSelectionCriteria.Latest));
    }

    [Fact]
    public void Load_TheNewest_WithItsPayloadAndMetadata()
    {
        var saved = Save("a", 1, 2, 3, 4, 5);

        var newest = Load("a", SnapshotSelectionCriteria.Latest);

        Assert.Equal((5L, "a/5"), Of(newest));
        Assert.Equal("a", newest!.Metadata.PersistenceId);
        Assert.Equal(saved[^1].Timestamp, newest.Metadata.Timestamp);
    }

    [Fact]
    public void Load_UnderAnUpperSequenceNumber_FromTheCriteriaOrTheRecoveryLimit()
    {
        Save("b", 10, 20, 30);

        Assert.Equal((20L, "b/20"), Of(Load("b", new SnapshotSelectionCriteria(25))));
        Assert.Equal((20L, "b/20"), Of(Load("b", new SnapshotSelectionCriteria(20))));
        Assert.Equal((20L, "b/20"), Of(Load("b", SnapshotSelectionCriteria.Latest, toSequenceNr: 29)));
        Assert.Null(Load("b", new SnapshotSelectionCriteria(9)));
    }

    [Fact]
    public void Load_UnderAnUpperTimestamp()
    {
        var saved = Save("c", 1, 2, 3);

        Assert.Equal((2L, "c/2"), Of(Load("c", new SnapshotSelectionCriteria(long.MaxValue, saved[1].Timestamp))));
        Assert.Equal((1L, "c/1"), Of(Load("c", new SnapshotSelectionCriteria(3, saved[0].Timestamp))));
        Assert.Null(Load("c", new SnapshotSelectionCriteria(long.MaxValue, saved[0].Timestamp.AddTicks(-1))));
    }

    [Fact]
    public void DeleteOne_ByItsMetadata_LeavesTheOthers()
    {
        var saved = Save("d", 1, 2, 3);

        Store.Tell(new DeleteSnapshot(saved[1]), TestActor);
        ExpectMsg<DeleteSnapshotSuccess>(Patience);

        Assert.Equal((1L, "d/1"), Of(Load("d", new SnapshotSelectionCriteria(2))));
        Assert.Equal((3L, "d/3"), Of(Load("d", SnapshotSelectionCriteria.Latest)));
    }

    [Fact]
    public void DeleteMatching_UpperBounds_DeletesThoseAndOnlyThose()
    {
        var saved = Save("e", 1, 2, 3, 4);
        Save("other", 1, 2);

        Store.Tell(new DeleteSnapshots("e", new SnapshotSelectionCriteria(3, saved[2].Timestamp)), TestActor);
        ExpectMsg<DeleteSnapshotsSuccess>(Patience);

        Assert.Null(Load("e", new SnapshotSelectionCriteria(3)));
        Assert.Equal((4L, "e/4"), Of(Load("e", SnapshotSelectionCriteria.Latest)));
        Assert.Equal((2L, "other/2"), Of(Load("other", SnapshotSelectionCriteria.Latest)));
    }

    [Fact]
    public void DeleteMatching_ATimestampBeforeEverySnapshot_DeletesNothing()
    {
        var saved = Save("f", 1, 2);

        Store.Tell(new DeleteSnapshots("f", new SnapshotSelectionCriteria(long.MaxValue, saved[0].Timestamp.AddTicks(-1))), TestActor);
        ExpectMsg<DeleteSnapshotsSuccess>(Patience);

        Assert.Equal((1L, "f/1"), Of(Load("f", new SnapshotSelectionCriteria(1))));
        Assert.Equal((2L, "f/2"), Of(Load("f", SnapshotSelectionCriteria.Latest)));
    }

    [Fact]
    public void Save_AtTheSameSequenceNumber_ReplacesTheFirst()
    {
        Save("g", 7);
        Store.Tell(new SaveSnapshot(new SnapshotMetadata("g", 7, DateTime.UtcNow), State("second")), TestActor);
        ExpectMsg<SaveSnapshotSuccess>(Patience);

        Assert.Equal((7L, "second"), Of(Load("g", SnapshotSelectionCriteria.Latest)));
    }

    /// <summary>A long session's snapshot holds its whole transcript: megabytes round-trip whole.</summary>
    [Fact]
    public void Save_ALargeSnapshot_LoadsWhole()
    {
        var large = string.Concat(Enumerable.Range(0, 200_000).Select(i => $"line {i} é \"\n"));
        Store.Tell(new SaveSnapshot(new SnapshotMetadata("h", 1, DateTime.UtcNow), State(large)), TestActor);
        ExpectMsg<SaveSnapshotSuccess>(Patience);

        Assert.Equal((1L, large), Of(Load("h", SnapshotSelectionCriteria.Latest)));
    }
}

public sealed class OurSqliteSnapshotStoreConformance() : SnapshotStoreConformance("akka.persistence.snapshot-store.actor-rollouts-sqlite");

public sealed class AkkaPersistenceSqlSnapshotStoreConformance() : SnapshotStoreConformance("akka.persistence.snapshot-store.sql");

/// <summary>Akka.Persistence.Sql on a real PostgreSQL 15 (the shared store of <c>--journal-url</c>).</summary>
public sealed class PostgresSnapshotStoreConformance() : SnapshotStoreConformance(TestSystems.PostgresConfig());

/// <summary>A data dir whose snapshots Akka.Persistence.Sql wrote (every one before our own store) is read by ours, and
/// the other way round: an upgrade or a switch back loses no snapshot.</summary>
public sealed class SnapshotStoresReadEachOther : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const string Ours = "akka.persistence.snapshot-store.actor-rollouts-sqlite";
    private const string Reference = "akka.persistence.snapshot-store.sql";
    private readonly string _dataDir = TestSystems.NewDataDir();

    [Theory]
    [InlineData(Reference, Ours)]
    [InlineData(Ours, Reference)]
    public async Task ASnapshotSavedByOne_IsLoadedByTheOther(string writer, string reader)
    {
        var saved = await WithStore(writer, store =>
            store.Ask<SaveSnapshotSuccess>(new SaveSnapshot(new SnapshotMetadata("s", 42, DateTime.UtcNow), SessionState.Empty with { Workspace = "w", Turns = 3 }), Patience));

        var loaded = await WithStore(reader, store =>
            store.Ask<LoadSnapshotResult>(new LoadSnapshot("s", SnapshotSelectionCriteria.Latest, long.MaxValue), Patience));

        Assert.Equal(("s", 42L, saved.Metadata.Timestamp), (loaded.Snapshot!.Metadata.PersistenceId, loaded.Snapshot.Metadata.SequenceNr, loaded.Snapshot.Metadata.Timestamp));
        var state = Assert.IsType<SessionState>(loaded.Snapshot.Snapshot);
        Assert.Equal(("w", 3), (state.Workspace, state.Turns));
    }

    private async Task<T> WithStore<T>(string plugin, Func<IActorRef, Task<T>> use)
    {
        var config = TestSystems.Config(_dataDir, $"akka.persistence.snapshot-store.plugin = \"{plugin}\"");
        var system = ActorSystem.Create("snapshots", config);
        try
        {
            return await use(Persistence.Instance.Apply(system).SnapshotStoreFor(null));
        }
        finally
        {
            await system.Terminate();
        }
    }

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);
}
