using System.Collections.Immutable;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Actors.Cluster;

/// <summary>A fleet's plan (its sessions' specs) goes to a cluster through the journal's database, not in a message: a
/// remote message is limited to <c>maximum-frame-size</c>, and a plan of thousands of sessions is megabytes. The submitter
/// stores it (gzipped JSON, keyed by its hash) and sends the key; the fleet, wherever it runs, reads it once, before it
/// journals <c>fleet-started</c>.</summary>
public static class FleetPlans
{
    public static string Publish(ISharedContent shared, ImmutableList<SessionSpec> sessions)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(sessions, RolloutJson.Options);
        var key = "plan-" + Convert.ToHexStringLower(SHA256.HashData(json));
        var file = Path.GetTempFileName();
        try
        {
            using (var gzip = new GZipStream(File.Create(file), CompressionLevel.Fastest)) gzip.Write(json);
            shared.Publish(key, file);
        }
        finally
        {
            File.Delete(file);
        }
        return key;
    }

    public static ImmutableList<SessionSpec> Load(ISharedContent shared, string key)
    {
        var file = Path.GetTempFileName();
        try
        {
            if (!shared.TryFetch(key, file)) throw new InvalidDataException($"the fleet's plan '{key}' is not in the journal's database");
            using var gzip = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
            return JsonSerializer.Deserialize<ImmutableList<SessionSpec>>(gzip, RolloutJson.Options)
                   ?? throw new InvalidDataException($"the fleet's plan '{key}' is empty");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
