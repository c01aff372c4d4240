using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Core.Json;
using Akka.Actor;
using Akka.Serialization;
using static ActorRollouts.Actors.Fleets.FleetCommands;
using static ActorRollouts.Actors.Fleets.FleetNotifications;
using static ActorRollouts.Actors.Sessions.SessionCommands;
using static ActorRollouts.Actors.Sessions.SessionNotifications;

namespace ActorRollouts.Actors.Cluster;

/// <summary>The messages that travel between cluster members, as the same snake_case JSON the journal uses. Akka's default
/// (Newtonsoft) serializer cannot read back the immutable collections our records hold, and a manifest of our own, not a
/// CLR type name, lets members of two builds tell each other what they do not understand.</summary>
public sealed class ClusterMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public static readonly FrozenDictionary<Type, string> Manifests = new Dictionary<Type, string>
    {
        [typeof(RunFleet)] = "run-fleet",
        [typeof(FleetProgressed)] = "fleet-progressed",
        [typeof(FleetFinished)] = "fleet-finished",
        [typeof(FleetRejected)] = "fleet-rejected",
        [typeof(SessionLaunch)] = "session-launch",
        [typeof(CancelSession)] = "cancel-session",
        [typeof(SessionEnded)] = "session-ended",
        [typeof(SessionJournalFailed)] = "session-journal-failed",
        [typeof(SessionStopped)] = "session-stopped",
        [typeof(Providers.EndpointGate.Acquire)] = "gate-acquire",
        [typeof(Providers.EndpointGate.Granted)] = "gate-granted",
        [typeof(Providers.EndpointGate.Release)] = "gate-release",
        [typeof(AddSessions)] = "add-sessions",
        [typeof(SessionsAdded)] = "sessions-added",
        [typeof(UpdatePolicy)] = "update-policy",
        [typeof(PolicyUpdated)] = "policy-updated",
        [typeof(GetStatus)] = "get-status",
        [typeof(FleetStatus)] = "fleet-status",
        [typeof(FindSession)] = "find-session",
        [typeof(SessionKnown)] = "session-known",
        [typeof(UpdateSpec)] = "update-spec",
        [typeof(SpecApplied)] = "spec-applied",
        [typeof(Providers.PolicyGate.Acquire)] = "policy-acquire",
        [typeof(Providers.PolicyGate.Granted)] = "policy-granted",
        [typeof(Providers.PolicyGate.Refused)] = "policy-refused",
        [typeof(Providers.PolicyGate.Release)] = "policy-release",
        [typeof(Providers.PolicyGate.Abort)] = "policy-abort",
        [typeof(Providers.PolicyGate.Begin)] = "policy-begin",
        [typeof(Providers.PolicyGate.ReadyToApply)] = "policy-ready",
        [typeof(Providers.PolicyGate.Applied)] = "policy-applied",
        [typeof(Providers.PolicyGate.CountInFlight)] = "policy-count",
        [typeof(Providers.PolicyGate.InFlight)] = "policy-in-flight",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, Type> TypesByManifest = Manifests.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);

    public const string Name = "actor-rollouts-cluster";

    /// <summary>The HOCON that registers this serializer and binds every message above to it.</summary>
    public static string Bindings =>
        $"akka.actor.serializers.{Name} = \"{typeof(ClusterMessageSerializer).AssemblyQualifiedName}\"\n" +
        string.Concat(Manifests.Keys.Select(t => $"akka.actor.serialization-bindings.\"{t.FullName}, {t.Assembly.GetName().Name}\" = {Name}\n"));

    public override int Identifier => 7412;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var manifest) ? manifest
        : throw new SerializationException($"No manifest for {o.GetType().FullName}: add it to ClusterMessageSerializer.Manifests.");

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), RolloutJson.Options);

    public override object FromBinary(byte[] bytes, string manifest) =>
        TypesByManifest.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, RolloutJson.Options) ?? throw new SerializationException($"'{manifest}' deserialized to null.")
            : throw new SerializationException($"Unknown cluster message '{manifest}': is another member running a newer ActorRollouts?");
}
