# indiepub in a container: a static binary (pure Go SQLite, no cgo) on distroless, as a
# non-root user, with the data directory as a volume.
#   docker build -t indiepub .
#   docker run -p 8080:8080 -v indiepub-data:/data -e INDIEPUB_URL=https://example.com/ indiepub
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The git checkout gives `indiepub version` its commit and date.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /indiepub ./cmd/indiepub
RUN mkdir /data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /indiepub /usr/local/bin/indiepub
COPY --from=build --chown=nonroot:nonroot /data /data
USER nonroot:nonroot
VOLUME /data
ENV INDIEPUB_DATA=/data INDIEPUB_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/indiepub"]
CMD ["serve"]
