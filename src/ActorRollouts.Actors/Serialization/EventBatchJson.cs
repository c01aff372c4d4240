using System.Collections.Immutable;
using System.Runtime.Serialization;
using System.Text.Json;
using ActorRollouts.Core.Sessions;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Serialization;

/// <summary>An <see cref="EventBatch"/> row: <c>{"events":[{"manifest":"…","event":{…}}, …]}</c>, each event written exactly
/// as it would be as a row of its own (same manifest, same JSON), so one reader serves both.</summary>
internal static class EventBatchJson
{
    public static void Write(Utf8JsonWriter writer, EventBatch batch, Func<object, string> manifestOf, Action<Utf8JsonWriter, object> writeEvent)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("events");
        foreach (var e in batch.Events)
        {
            writer.WriteStartObject();
            writer.WriteString("manifest", manifestOf(e));
            writer.WritePropertyName("event");
            writeEvent(writer, e);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static EventBatch Read(byte[] bytes, Func<string, JsonElement, object> read)
    {
        using var document = JsonDocument.Parse(bytes);
        var events = ImmutableList.CreateBuilder<ISessionEvent>();
        foreach (var element in document.RootElement.GetProperty("events").EnumerateArray())
        {
            var manifest = element.GetProperty("manifest").GetString() ?? throw new SerializationException("An event of a batch has no manifest.");
            events.Add(read(manifest, element.GetProperty("event")) as ISessionEvent
                       ?? throw new SerializationException($"'{manifest}' in an event batch is not a session event."));
        }
        return new EventBatch(events.ToImmutable());
    }
}
