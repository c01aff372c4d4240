using ActorRollouts.Core.Gates;
using Akka.Actor;

namespace ActorRollouts.Actors.Providers;

/// <summary>One per endpoint, shared by every session of the fleet: admits model requests only within the endpoint's
/// concurrency, requests-per-minute and tokens-per-minute limits, first come first served. Providers ask before each
/// attempt and release after it with the usage the API reported.</summary>
public sealed class EndpointGate : ReceiveActor, IWithTimers
{
    private readonly TimeProvider _time;
    private readonly Queue<(IActorRef Requester, Acquire Request)> _waiting = new();
    private readonly Dictionary<string, IActorRef> _holders = [];
    private GateLedger _ledger;

    public ITimerScheduler Timers { get; set; } = null!;

    public EndpointGate(GateLimits limits, TimeProvider time)
    {
        _ledger = new GateLedger(limits);
        _time = time;
        Receive<Acquire>(acquire =>
        {
            Context.Watch(Sender);
            _waiting.Enqueue((Sender, acquire));
            Drain();
        });
        Receive<Release>(release =>
        {
            _holders.Remove(release.RequestId);
            _ledger = _ledger.Release(release.RequestId, release.ActualTokens, _time.GetUtcNow());
            Drain();
        });
        Receive<WindowMoved>(_ => Drain());
        Receive<Terminated>(dead => Forget(dead.ActorRef));
    }

    public static Props Props(GateLimits limits, TimeProvider time) => Akka.Actor.Props.Create(() => new EndpointGate(limits, time));

    private void Drain()
    {
        var now = _time.GetUtcNow();
        while (_waiting.TryPeek(out var next) && _ledger.CanAdmit(now, next.Request.EstimatedTokens))
        {
            _waiting.Dequeue();
            _ledger = _ledger.Admit(next.Request.RequestId, now, next.Request.EstimatedTokens);
            _holders[next.Request.RequestId] = next.Requester;
            next.Requester.Tell(new Granted(next.Request.RequestId));
        }
        // Blocked by the window (not by concurrency, which frees on Release): look again when the oldest request leaves it.
        if (_waiting.Count > 0 && _ledger.NextExpiry(now) is { } expiry)
            Timers.StartSingleTimer("window", WindowMoved.Instance, expiry > now ? expiry - now : TimeSpan.Zero);
    }

    /// <summary>A provider that died (its session ended or crashed) gives back what it held and stops waiting.</summary>
    private void Forget(IActorRef provider)
    {
        foreach (var id in _holders.Where(h => h.Value.Equals(provider)).Select(h => h.Key).ToList())
        {
            _holders.Remove(id);
            _ledger = _ledger.Release(id, null, _time.GetUtcNow());
        }
        var keep = _waiting.Where(w => !w.Requester.Equals(provider)).ToList();
        _waiting.Clear();
        foreach (var w in keep) _waiting.Enqueue(w);
        Drain();
    }

    /// <summary>Provider → gate: may this request go? Answered with <see cref="Granted"/> when it may.</summary>
    public sealed record Acquire(string RequestId, long EstimatedTokens);

    public sealed record Granted(string RequestId);

    /// <summary>Provider → gate: the request is done; <paramref name="ActualTokens"/> is its reported usage, if any.</summary>
    public sealed record Release(string RequestId, long? ActualTokens);

    private sealed record WindowMoved
    {
        public static readonly WindowMoved Instance = new();
    }
}
