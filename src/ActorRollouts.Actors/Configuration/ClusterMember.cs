using System.Collections.Immutable;
using System.Globalization;
using ActorRollouts.Actors.Cluster;
using Akka.Configuration;

namespace ActorRollouts.Actors.Configuration;

/// <summary>This process as a member of a rollout cluster: where it listens, which members it joins through, and whether it
/// hosts sessions (a node) or only submits fleets. Every member's ActorSystem has the same name, so a seed is host:port.</summary>
public sealed record ClusterMember(string Host, int Port, ImmutableArray<(string Host, int Port)> Seeds, bool HostsSessions)
{
    public const string SystemName = "actor-rollouts";
    public const string SubmitterRole = "submitter";

    /// <summary><c>HOST:PORT[,HOST:PORT…]</c>, as <c>--seeds</c> takes it.</summary>
    public static ImmutableArray<(string Host, int Port)> ParseSeeds(string seeds)
    {
        var parsed = seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(seed =>
        {
            var colon = seed.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                throw new FormatException($"--seeds: '{seed}' is not HOST:PORT (e.g. 10.0.0.5:4053)");
            return (seed[..colon], port);
        }).ToImmutableArray();
        return parsed.IsEmpty ? throw new FormatException("--seeds: give at least one HOST:PORT") : parsed;
    }

    public static string Address(string host, int port) => $"akka.tcp://{SystemName}@{host}:{port}";

    /// <summary>This member's settings over <c>hocon/cluster.conf</c> (sharding, split-brain resolver, serializers).</summary>
    public Config Config() => ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp.hostname = "{{Host}}"
            akka.remote.dot-netty.tcp.port = {{Port}}
            akka.cluster.seed-nodes = [{{string.Join(", ", Seeds.Select(s => $"\"{Address(s.Host, s.Port)}\""))}}]
            akka.cluster.roles = ["{{(HostsSessions ? RolloutSharding.NodeRole : SubmitterRole)}}"]
            {{ClusterMessageSerializer.Bindings}}
            """).WithFallback(RolloutConfig.Load("cluster.conf"));
}
