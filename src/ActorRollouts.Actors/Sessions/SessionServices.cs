using ActorRollouts.Actors.Configuration;
using ActorRollouts.Core.Model;
using Akka.Actor;

namespace ActorRollouts.Actors.Sessions;

/// <summary>What every session of a fleet shares: the model client, settings, where workspaces live, the clock, and the
/// journal's shared content (templates and large files in its database; null with the SQLite journal), and in a cluster the
/// member running the session (<c>host:port</c>, journaled when a session starts or resumes). <paramref name="PolicyGate"/>: a
/// served fleet's, which every model attempt passes (weight updates). <paramref name="Agents"/>: the gateway agent programs call,
/// when the fleet has agent tasks.</summary>
public sealed record SessionServices(
    IModelClient ModelClient,
    RolloutSettings Settings,
    string WorkspacesDir,
    TimeProvider Time,
    IReadOnlyDictionary<string, IActorRef>? Gates = null,
    IActorRef? Confirmer = null,
    Func<Endpoint, Endpoint>? Rebase = null,
    ActorRollouts.Environments.Workspaces.ISharedContent? Shared = null,
    string? Node = null,
    IActorRef? PolicyGate = null,
    Agents.AgentGatewayLinks? Agents = null)
{
    /// <summary>Where a session's calls go now: its journaled endpoint, or that endpoint moved by <see cref="Rebase"/> (a
    /// resumed fleet whose scripted server or gateway has a new address).</summary>
    public Endpoint EndpointFor(Endpoint journaled) => Rebase?.Invoke(journaled) ?? journaled;

    /// <summary>The gate of the endpoint's base URL, or null when it has no limits.</summary>
    public IActorRef? GateFor(Endpoint endpoint) => Gates?.GetValueOrDefault(EndpointFor(endpoint).BaseUrl);

    /// <summary>The data dir: the workspaces folder's parent, where <c>templates/</c>, <c>images/</c> and <c>blobs/</c> are.</summary>
    public string DataDir => Path.GetDirectoryName(Path.GetFullPath(WorkspacesDir))!;

    /// <summary>Captured templates (<c>templates/&lt;hash&gt;</c>), beside the workspaces folder.</summary>
    public string TemplatesDir => Path.Combine(DataDir, "templates");

    /// <summary>Unpacked images (<c>images/sha256-&lt;hex&gt;</c>), beside the workspaces folder.</summary>
    public string ImagesDir => Path.Combine(DataDir, "images");

    /// <summary>Large file contents the journal references by hash, beside the workspaces folder.</summary>
    public ActorRollouts.Environments.Workspaces.BlobStore Blobs => new(Path.Combine(DataDir, "blobs"), Shared);

    /// <summary>The session's lower layer: its image's tree or its captured template (null for neither).</summary>
    public string? TemplateFor(Core.Tasks.SessionSpec spec) => spec.LowerLayer(DataDir);

    /// <summary><c>&lt;workspaces&gt;/&lt;fleet-id&gt;/&lt;task-id&gt;-&lt;sample&gt;</c>: readable, and unique per session.</summary>
    public string WorkspaceFor(Core.Tasks.SessionSpec spec) =>
        Path.Combine(WorkspacesDir, spec.FleetId, $"{spec.TaskId}-{spec.Sample}");
}
