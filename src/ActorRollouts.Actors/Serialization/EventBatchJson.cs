using System.Buffers;
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
    public static byte[] Write(EventBatch batch, Func<object, string> manifestOf, Func<object, byte[]> bytesOf)
    {
        var buffer = new ArrayBufferWriter<byte>(256 * batch.Events.Count);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("events");
            foreach (var e in batch.Events)
            {
                writer.WriteStartObject();
                writer.WriteString("manifest", manifestOf(e));
                writer.WritePropertyName("event");
                writer.WriteRawValue(bytesOf(e), skipInputValidation: true);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
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
