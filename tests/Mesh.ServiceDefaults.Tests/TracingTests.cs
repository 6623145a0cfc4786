using System.Diagnostics;
using Mesh.ServiceDefaults.Telemetry;
using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;
using Mesh.Testing;
using OpenTelemetry;
using OpenTelemetry.Trace;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>One trace id from a caller, over a gRPC hop into a service, through RabbitMQ to a consumer.</summary>
public sealed class TracingTests(IsolatedData data) : IClassFixture<IsolatedData>
{
    private static readonly ActivitySource TestSource = new("Mesh.ServiceDefaults.Tests");

    [Fact]
    public async Task A_trace_crosses_a_grpc_hop_and_a_rabbitmq_hop_with_one_trace_id()
    {
        var ct = TestContext.Current.CancellationToken;
        var exporter = new CollectingExporter();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(TestSource.Name)
            .AddSource(MeshTelemetry.TracingSources)
            .AddProcessor(new SimpleActivityExportProcessor(exporter))
            .Build();

        var factory = new ConnectionFactory { Uri = new Uri(await data.RabbitMqConnectionStringAsync()) };
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var publishChannel = await connection.CreateChannelAsync(cancellationToken: ct);
        await using var consumeChannel = await connection.CreateChannelAsync(cancellationToken: ct);
        const string queue = "bookings.created";
        await publishChannel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: true, cancellationToken: ct);

        // The service publishes while serving the call, as an outbox relay would after it.
        await using var service = await ServiceHost.StartAsync("booking");
        service.State.OnForward = async () =>
        {
            var properties = new BasicProperties { MessageId = Guid.NewGuid().ToString() };
            using (RabbitMqTracing.StartPublish(properties, "", queue))
                await publishChannel.BasicPublishAsync("", queue, mandatory: false, properties, "created"u8.ToArray(), ct);
        };

        var consumed = new TaskCompletionSource<ActivityTraceId>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consumeChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            ActivityTraceId seen;
            using (var activity = RabbitMqTracing.StartConsume(delivery, queue))
                seen = activity?.TraceId ?? default;
            consumed.TrySetResult(seen);   // after the span ended (and was exported), not inside it
            await consumeChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await consumeChannel.BasicConsumeAsync(queue, autoAck: false, consumer, ct);

        await using var caller = TestClient.For([service.GrpcAddress]);
        ActivityTraceId traceId;
        ProbeReply reply;
        using (var root = TestSource.StartActivity("test: book a seat"))
        {
            Assert.NotNull(root);
            traceId = root.TraceId;
            reply = await caller.Client.ForwardAsync(new ProbeRequest { Key = "trace" }, cancellationToken: ct);
        }
        var consumerTraceId = await consumed.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.Equal(traceId.ToString(), reply.TraceId);  // the handler ran inside the trace
        Assert.Equal(traceId, consumerTraceId);            // and so did the consumer, across the broker

        // The server's span ends after its response is on the wire: wait for all four instead of racing it.
        using (var guard = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            guard.CancelAfter(TimeSpan.FromSeconds(30));
            while (exporter.Spans.Count(s => s.TraceId == traceId) < 4) await Task.Delay(20, guard.Token);
        }
        var spans = exporter.Spans.Where(s => s.TraceId == traceId).ToList();
        var client = Assert.Single(spans, s => s.Source.Name == MeshTelemetry.GrpcSourceName && s.Kind == ActivityKind.Client);
        var server = Assert.Single(spans, s => s.Source.Name == MeshTelemetry.GrpcSourceName && s.Kind == ActivityKind.Server);
        Assert.Single(spans, s => s.Kind == ActivityKind.Producer && s.Source.Name == MeshTelemetry.MessagingSourceName);
        Assert.Single(spans, s => s.Kind == ActivityKind.Consumer && s.Source.Name == MeshTelemetry.MessagingSourceName);

        foreach (var span in new[] { client, server })
        {
            Assert.Equal("grpc", span.GetTagItem("rpc.system"));
            Assert.Equal("mesh.defaults_test.v1.Probe", span.GetTagItem("rpc.service"));
            Assert.Equal("Forward", span.GetTagItem("rpc.method"));
            Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
        }
        // The server span descends from the client span (directly, or through ASP.NET Core's request span).
        Assert.True(IsDescendant(server, client, spans), "the server span is not under the client span");
    }

    private static bool IsDescendant(Activity span, Activity ancestor, List<Activity> spans)
    {
        for (var parentId = span.ParentSpanId; parentId != default;)
        {
            if (parentId == ancestor.SpanId) return true;
            var parent = spans.FirstOrDefault(s => s.SpanId == parentId);
            if (parent is null) return false;
            parentId = parent.ParentSpanId;
        }
        return false;
    }
}
