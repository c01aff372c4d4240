using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace ActorRollouts.Actors.Cluster;

/// <summary>A fleet as a sharded entity: it takes the fleet's lock in the shared journal (<c>SharedFleetLock</c>) before
/// its supervisor even reads the fleet's journal, and holds it for as long as it runs, so no other process — a local
/// <c>resume</c>, or a node still holding on to it — runs the fleet at the same time. While the lock is held elsewhere it
/// waits, asking again every <see cref="RetryEvery"/>, with every message kept for the supervisor. The supervisor is its
/// child; messages go to it unchanged, and its request to passivate goes to the shard as this entity's.</summary>
public sealed class FleetEntity : ReceiveActor, IWithStash, IWithTimers
{
    public static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(2);

    private readonly string _fleetId;
    private readonly Props _supervisor;
    private readonly Func<string, IDisposable> _takeLock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopped = new();
    private IDisposable? _lock;
    private string? _heldBy;

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    public FleetEntity(string fleetId, Props supervisor, Func<string, IDisposable> takeLock)
    {
        (_fleetId, _supervisor, _takeLock) = (fleetId, supervisor, takeLock);
        Receive<LockTaken>(taken =>
        {
            _lock = taken.Lock;
            var supervisorRef = Context.ActorOf(_supervisor, "supervisor");
            Context.Watch(supervisorRef);
            Become(() => Running(supervisorRef));
            Stash.UnstashAll();
        });
        Receive<LockRefused>(refused =>
        {
            if (refused.Reason != _heldBy) _log.Warning("Fleet {0} waits: {1}; asking again every {2} s", _fleetId, refused.Reason, RetryEvery.TotalSeconds);
            _heldBy = refused.Reason;
            Timers.StartSingleTimer("retry", Retry.Instance, RetryEvery);
        });
        Receive<Retry>(_ => TakeLock());
        ReceiveAny(_ => Stash.Stash());
    }

    public static Props Props(string fleetId, Props supervisor, Func<string, IDisposable> takeLock) =>
        Akka.Actor.Props.Create(() => new FleetEntity(fleetId, supervisor, takeLock));

    protected override void PreStart() => TakeLock();

    private void Running(IActorRef supervisor)
    {
        Receive<Passivate>(passivate => Context.Parent.Tell(passivate)); // the supervisor's, on behalf of the entity
        Receive<Terminated>(t =>
        {
            if (t.ActorRef.Equals(supervisor)) Context.Stop(Self); // remember-entities starts the fleet again
        });
        ReceiveAny(message => supervisor.Forward(message));
    }

    /// <summary>Off the mailbox (it is a database round trip); a lock that arrives after this entity stopped is let go.</summary>
    private void TakeLock()
    {
        var (fleetId, takeLock, stopped) = (_fleetId, _takeLock, _stopped.Token);
        Task.Run(() =>
        {
            var taken = takeLock(fleetId);
            if (!stopped.IsCancellationRequested) return taken;
            taken.Dispose();
            throw new OperationCanceledException(stopped);
        }).PipeTo(Self, success: l => new LockTaken(l), failure: ex => new LockRefused(ex.GetBaseException().Message));
    }

    protected override void PostStop()
    {
        _stopped.Cancel();
        if (_lock is { } held) Task.Run(held.Dispose); // closes its connection, which releases the lock
    }

    private sealed record LockTaken(IDisposable Lock);

    private sealed record LockRefused(string Reason);

    private sealed record Retry
    {
        public static readonly Retry Instance = new();
    }
}
