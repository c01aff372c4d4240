using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Persistence.Journal;

namespace ActorRollouts.Actors.Tests;

/// <summary>A read-side event adapter that counts the events the journal replays, per ActorSystem: a test can then say
/// how much a recovery read instead of how long it took (which a busy machine can stretch).</summary>
public sealed class ReplayCounter(ExtendedActorSystem system) : IReadEventAdapter
{
    private static readonly ConditionalWeakTable<ActorSystem, StrongBox<int>> Counts = new();

    /// <summary>HOCON that installs the counter on both SQLite journal plugins (ours, the default, and
    /// Akka.Persistence.Sql's) for every event we journal.</summary>
    public const string Config = """
        akka.persistence.journal.sql {
          event-adapters { replay-counter = "ActorRollouts.Actors.Tests.ReplayCounter, ActorRollouts.Actors.Tests" }
          event-adapter-bindings { "ActorRollouts.Core.Sessions.IRolloutEvent, ActorRollouts.Core" = replay-counter }
        }
        akka.persistence.journal.actor-rollouts-sqlite {
          event-adapters { replay-counter = "ActorRollouts.Actors.Tests.ReplayCounter, ActorRollouts.Actors.Tests" }
          event-adapter-bindings { "ActorRollouts.Core.Sessions.IRolloutEvent, ActorRollouts.Core" = replay-counter }
        }
        """;

    public static int Replayed(ActorSystem system) => Volatile.Read(ref Counts.GetOrCreateValue(system).Value);

    public static void Reset(ActorSystem system) => Interlocked.Exchange(ref Counts.GetOrCreateValue(system).Value, 0);

    public IEventSequence FromJournal(object evt, string manifest)
    {
        Interlocked.Increment(ref Counts.GetOrCreateValue(system).Value);
        return EventSequence.Single(evt);
    }
}
