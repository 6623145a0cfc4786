using System.Net;
using Mesh.Grpc.Interop.Wire;

namespace Mesh.Grpc.Interop.Client;

/// <summary>
/// An HTTP handler under the channel that (a) records the compressed flag of every response message, which
/// the server_compressed_* cases must check and the client API does not expose, and (b) sets :authority
/// when --server_host_override is given. It changes no bytes: responses pass through a watching stream.
/// </summary>
public sealed class ResponseFrameProbe : DelegatingHandler
{
    private readonly string? _authority;
    private readonly List<bool> _flags = new();

    public ResponseFrameProbe(HttpMessageHandler inner, string? authority) : base(inner) => _authority = authority;

    /// <summary>The flags of the response messages received since the last call, in order; then forgets them.</summary>
    public IReadOnlyList<bool> TakeReceivedFlags()
    {
        lock (_flags)
        {
            var taken = _flags.ToArray();
            _flags.Clear();
            return taken;
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_authority is not null) request.Headers.Host = _authority;
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.Content = new ObservedContent(response.Content, new FrameFlagReader(Record));
        return response;
    }

    private void Record(bool compressed)
    {
        lock (_flags) _flags.Add(compressed);
    }

    /// <summary>The original content, read through an <see cref="ObservedReadStream"/>; same headers.</summary>
    private sealed class ObservedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly FrameFlagReader _observer;

        public ObservedContent(HttpContent inner, FrameFlagReader observer)
        {
            _inner = inner;
            _observer = observer;
            foreach (var header in inner.Headers)
                Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        protected override async Task<Stream> CreateContentReadStreamAsync() =>
            new ObservedReadStream(await _inner.ReadAsStreamAsync().ConfigureAwait(false), _observer);

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new ObservedReadStream(await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _observer);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var source = await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
            await source.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
