using System.Buffers;
using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using ActorRollouts.Core.Json;
using Akka.Actor;
using Akka.Serialization;
using static ActorRollouts.Core.Fleets.FleetEvents;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Serialization;

/// <summary>Writes every journaled event as snake_case JSON under a stable, versioned manifest
/// (<c>session-started.v1</c>), never a CLR type name: renaming a class must not orphan stored events.
/// A stored manifest is never renamed; a changed shape gets a new version next to the old one.</summary>
public sealed class RolloutEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Manifest of every event type we journal. Extend it; never rename an entry.</summary>
    public static readonly FrozenDictionary<Type, string> Manifests = new Dictionary<Type, string>
    {
        [typeof(SessionStarted)] = "session-started.v1",
        [typeof(MessageAppended)] = "message-appended.v1",
        [typeof(ModelRequestStarted)] = "model-request-started.v1",
        [typeof(ModelRequestFailed)] = "model-request-failed.v1",
        [typeof(ModelResponseReceived)] = "model-response-received.v1",
        [typeof(UsageUpdated)] = "usage-updated.v1",
        [typeof(ToolCallStarted)] = "tool-call-started.v1",
        [typeof(ToolCallCompleted)] = "tool-call-completed.v1",
        [typeof(Core.Sessions.ModelReplied)] = "model-replied.v1",
        [typeof(Core.Sessions.ToolCallFinished)] = "tool-call-finished.v1",
        [typeof(Core.Sessions.EventBatch)] = "event-batch.v1",
        [typeof(FileChanged)] = "file-changed.v1",
        [typeof(ConfirmationRequested)] = "confirmation-requested.v1",
        [typeof(ConfirmationResolved)] = "confirmation-resolved.v1",
        [typeof(SessionResumed)] = "session-resumed.v1",
        [typeof(SessionCompleted)] = "session-completed.v1",
        [typeof(SessionFailed)] = "session-failed.v1",
        [typeof(RewardAssigned)] = "reward-assigned.v1",
        [typeof(GradingFailed)] = "grading-failed.v1",
        [typeof(FleetStarted)] = "fleet-started.v1",
        [typeof(FleetSessionLaunched)] = "fleet-session-launched.v1",
        [typeof(FleetSessionFinished)] = "fleet-session-finished.v1",
        [typeof(FleetSettingsChanged)] = "fleet-settings-changed.v1",
        [typeof(FleetSessionsAdded)] = "fleet-sessions-added.v1",
        [typeof(Core.Fleets.FleetControl.SessionCancelRequested)] = "session-cancel-requested.v1",
        [typeof(SessionSettingsChanged)] = "session-settings-changed.v1",
        [typeof(SessionForked)] = "session-forked.v1",
        [typeof(AgentRequestReceived)] = "agent-request-received.v1",
        [typeof(AgentRequestRejected)] = "agent-request-rejected.v1",
        [typeof(AgentExited)] = "agent-exited.v1",
        [typeof(ReplayDiverged)] = "replay-diverged.v1",
        [typeof(ContextCompacted)] = "context-compacted.v1",
        [typeof(Core.Sessions.SessionState)] = "session-state-snapshot.v1",
    }.ToFrozenDictionary();

    /// <summary>A tool message whose text is its result's content (every one the decider makes): the text is stored
    /// once, in <c>tool_result.content</c>, and filled back in on reading. A new manifest, so an older build that cannot
    /// fill it in says so instead of showing a tool message without its text.</summary>
    public const string CompactToolMessage = "message-appended.v2";

    private static readonly FrozenDictionary<string, Type> TypesByManifest =
        Manifests.Append(KeyValuePair.Create(typeof(MessageAppended), CompactToolMessage)).ToFrozenDictionary(kv => kv.Value, kv => kv.Key);

    public const int Id = 7411;

    public override int Identifier => Id;

    /// <summary>Where rows stored apart (<see cref="Storage.StoredApart"/>) find their payload: this system's SQLite journal.</summary>
    private readonly string _sqliteJournal = system.Settings.Config.GetString("akka.persistence.journal.actor-rollouts-sqlite.connection-string", "");

    /// <summary>Where large token arrays go (<see cref="Core.Tokens.TokenBlobs"/>): the SQLite journal's <c>blobs/</c>.</summary>
    private JournalTokenBlobs? TokenBlobStore => _tokenBlobs ??= JournalTokenBlobs.ForSqlite(_sqliteJournal);
    private JournalTokenBlobs? _tokenBlobs;

    public override string Manifest(object o) =>
        IsCompactable(o) ? CompactToolMessage
        : Manifests.TryGetValue(o.GetType(), out var manifest) ? manifest
        : throw new SerializationException($"No manifest for {o.GetType().FullName}: add it to RolloutEventSerializer.Manifests.");

    public override byte[] ToBinary(object obj)
    {
        using var bytes = ToPooledBytes(obj);
        return bytes.ToArray();
    }

    /// <summary>The payload as our journal stores it. Written into pooled blocks: a row can hold a 20 MB tool call, which a
    /// growing array would allocate several times over. A large payload stays in its blocks until stored (see
    /// <see cref="Storage.SqliteJournal"/>); an ordinary one is copied out at once, so thousands of rows waiting for
    /// their commit hold only their own bytes.</summary>
    public PooledBytes ToPooledBytes(object obj)
    {
        var stream = PooledBuffers.Streams.GetStream(nameof(RolloutEventSerializer));
        using (Core.Tokens.TokenBlobs.Use(TokenBlobStore))
        using (var writer = new Utf8JsonWriter((IBufferWriter<byte>)stream, PooledBuffers.WriterOptions))
        using (DirectStringValues.Into(stream, writer))
        {
            if (obj is Core.Sessions.EventBatch batch) EventBatchJson.Write(writer, batch, Manifest, WriteEvent);
            else WriteEvent(writer, obj);
        }
        if (stream.Length > PooledBytes.KeepPooledAbove) return new PooledBytes(stream);
        using (stream) return new PooledBytes(stream.ToArray());
    }

    private static void WriteEvent(Utf8JsonWriter writer, object obj)
    {
        var stored = IsCompactable(obj) && obj is MessageAppended appended ? appended with { Message = appended.Message with { Content = null } } : obj;
        JsonSerializer.Serialize(writer, stored, stored.GetType(), RolloutJson.Options);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (Storage.StoredApart.Holds(manifest))
        {
            var (payload, ownManifest) = Storage.StoredApart.Load(bytes, manifest, _sqliteJournal);
            return FromBinary(payload, ownManifest);
        }
        var type = TypeOf(manifest);
        using var blobs = Core.Tokens.TokenBlobs.Use(TokenBlobStore);
        if (type == typeof(Core.Sessions.EventBatch)) return EventBatchJson.Read(bytes, FromElement);
        return Completed(manifest, JsonSerializer.Deserialize(bytes, type, RolloutJson.Options));
    }

    private static object FromElement(string manifest, JsonElement element) =>
        Completed(manifest, element.Deserialize(TypeOf(manifest), RolloutJson.Options));

    private static Type TypeOf(string manifest) =>
        TypesByManifest.TryGetValue(manifest, out var type)
            ? type
            : throw new SerializationException($"Unknown event manifest '{manifest}': this journal was written by a newer ActorRollouts?");

    /// <summary>The event as it was written: a compact tool message gets its text back from its result.</summary>
    private static object Completed(string manifest, object? read) => read switch
    {
        null => throw new SerializationException($"Event '{manifest}' deserialized to null."),
        MessageAppended { Message.ToolResult: { } result } compact when manifest == CompactToolMessage =>
            compact with { Message = compact.Message with { Content = result.Content } },
        _ => read,
    };

    private static bool IsCompactable(object o) =>
        o is MessageAppended { Message: { Role: Core.Model.Roles.Tool, ToolResult: { } result, Content: { } content } } && content == result.Content;
}
