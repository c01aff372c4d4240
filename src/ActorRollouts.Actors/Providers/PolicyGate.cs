using System.Collections.Immutable;
using Akka.Actor;

namespace ActorRollouts.Actors.Providers;

/// <summary>One per served fleet, a child of its supervisor: every model attempt of the fleet's sessions passes it, so a
/// weight update (<c>POST /v1/fleets/{id}/policy</c>) can hold new requests back, wait for or cut the ones in flight, and
/// let them go again under the new version. An attempt journaled under another version than the gate's is not let through:
/// its provider reports it aborted, and the session sends it again labelled with the version it really goes out under.
/// The gate starts closed, until its supervisor tells it the fleet's version.</summary>
public sealed class PolicyGate : ReceiveActor
{
    private readonly Dictionary<string, (IActorRef Provider, int Version)> _holders = []; // request id → provider, version
    private readonly Queue<(IActorRef Provider, Acquire Request)> _waiting = new();
    private int? _version; // null: closed (starting, or an update is being applied)
    private string? _updating; // the mode of the update under way
    private IActorRef? _updater;
    private bool _readySent;

    public PolicyGate()
    {
        Receive<Acquire>(acquire =>
        {
            Context.Watch(Sender);
            if (_version is { } version) Admit(Sender, acquire, version);
            else _waiting.Enqueue((Sender, acquire));
        });
        Receive<Release>(release =>
        {
            _holders.Remove(release.RequestId);
            ReadyIfDone();
        });
        Receive<Begin>(begin =>
        {
            (_updating, _updater, _readySent, _version) = (begin.Mode, Sender, false, null);
            if (begin.Mode == PolicyModes.Abort)
                foreach (var (id, holder) in _holders) holder.Provider.Tell(new Abort(id));
            ReadyIfDone();
        });
        Receive<Applied>(applied =>
        {
            (_version, _updating, _updater) = (applied.Version, null, null);
            while (_waiting.TryDequeue(out var next)) Admit(next.Provider, next.Request, applied.Version);
        });
        Receive<CountInFlight>(_ => Sender.Tell(new InFlight(_holders.Count, _waiting.Count, _updating,
            _holders.Values.GroupBy(h => h.Version).ToImmutableSortedDictionary(g => g.Key, g => g.Count()))));
        Receive<Terminated>(dead => Forget(dead.ActorRef));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new PolicyGate());

    /// <summary>Lets an attempt go if it was journaled under the version in force; one journaled under another version
    /// (held back while an update was applied) is refused, to be journaled again under this one.</summary>
    private void Admit(IActorRef provider, Acquire acquire, int version)
    {
        if (acquire.JournaledVersion != version)
        {
            provider.Tell(new Refused(acquire.RequestId, version));
            return;
        }
        _holders[acquire.RequestId] = (provider, version);
        provider.Tell(new Granted(acquire.RequestId));
    }

    /// <summary><c>keep</c> applies at once; <c>drain</c> and <c>abort</c> once nothing is in flight.</summary>
    private void ReadyIfDone()
    {
        if (_updating is null || _readySent || (_updating != PolicyModes.Keep && _holders.Count > 0)) return;
        _readySent = true;
        _updater!.Tell(ReadyToApply.Instance);
    }

    /// <summary>A provider that stopped (its session ended or crashed) holds nothing and waits for nothing.</summary>
    private void Forget(IActorRef provider)
    {
        foreach (var id in _holders.Where(h => h.Value.Provider.Equals(provider)).Select(h => h.Key).ToList()) _holders.Remove(id);
        var keep = _waiting.Where(w => !w.Provider.Equals(provider)).ToList();
        _waiting.Clear();
        foreach (var w in keep) _waiting.Enqueue(w);
        ReadyIfDone();
    }

    /// <summary>Provider → gate, before every attempt: <paramref name="JournaledVersion"/> is the version the attempt is
    /// labelled with in the session's journal.</summary>
    public sealed record Acquire(string RequestId, int JournaledVersion);

    public sealed record Granted(string RequestId);

    /// <summary>The policy is now <paramref name="Version"/>: the attempt, journaled under another, must not go out.</summary>
    public sealed record Refused(string RequestId, int Version);

    /// <summary>Provider → gate: the attempt is over (answered, failed or cut).</summary>
    public sealed record Release(string RequestId);

    /// <summary>Gate → provider (<c>abort</c> mode): cut this attempt now.</summary>
    public sealed record Abort(string RequestId);

    /// <summary>Supervisor → gate: hold new attempts back; for <c>abort</c> cut those in flight. The gate answers
    /// <see cref="ReadyToApply"/> when the update may be applied.</summary>
    public sealed record Begin(string Mode);

    public sealed record ReadyToApply
    {
        public static readonly ReadyToApply Instance = new();
    }

    /// <summary>Supervisor → gate: <paramref name="Version"/> is in force (journaled, and every running session has it).</summary>
    public sealed record Applied(int Version);

    public sealed record CountInFlight
    {
        public static readonly CountInFlight Instance = new();
    }

    /// <summary>Attempts in flight, attempts held back, the mode of an update under way (or null), and the attempts in
    /// flight by the policy version they went out under.</summary>
    public sealed record InFlight(int Running, int Held, string? Updating, ImmutableSortedDictionary<int, int> ByVersion);
}

/// <summary>How a weight update treats the model requests in flight.</summary>
public static class PolicyModes
{
    /// <summary>Hold new requests, wait for those in flight, apply, go on.</summary>
    public const string Drain = "drain";

    /// <summary>Cut the requests in flight (each is sent again under the new version), apply, go on.</summary>
    public const string Abort = "abort";

    /// <summary>Apply at once: requests in flight finish under the old version and are labelled with it.</summary>
    public const string Keep = "keep";

    public static bool IsValid(string mode) => mode is Drain or Abort or Keep;
}
