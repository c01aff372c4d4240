using System.Collections.Concurrent;
using Akka.Actor;

namespace ActorRollouts.Actors.Sessions;

/// <summary>The sessions whose streamed deltas someone watches (<c>run --watch</c>). Only theirs are built and published
/// as <see cref="SessionNotifications.SessionDelta"/>: for every other session a delta is a string and two messages per
/// streamed chunk that nobody reads (for a model writing a 20 MB file, 40 MB of strings).</summary>
public sealed class DeltaWatch : IExtension
{
    private readonly ConcurrentDictionary<string, int> _watchers = new();

    public static DeltaWatch For(ActorSystem system) => system.WithExtension<DeltaWatch, DeltaWatchProvider>();

    /// <summary>Deltas of <paramref name="sessionId"/> are published from its next model request on, until disposed.</summary>
    public IDisposable Watch(string sessionId)
    {
        _watchers.AddOrUpdate(sessionId, 1, (_, n) => n + 1);
        return new Unwatch(this, sessionId);
    }

    public bool IsWatched(string sessionId) => _watchers.ContainsKey(sessionId);

    private sealed class Unwatch(DeltaWatch watch, string sessionId) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 1) return;
            if (watch._watchers.AddOrUpdate(sessionId, 0, (_, n) => n - 1) <= 0)
                watch._watchers.TryRemove(KeyValuePair.Create(sessionId, 0));
        }
    }

    private sealed class DeltaWatchProvider : ExtensionIdProvider<DeltaWatch>
    {
        public override DeltaWatch CreateExtension(ExtendedActorSystem system) => new();
    }
}
