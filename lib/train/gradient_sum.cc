#include "lib/train/gradient_sum.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace mammo::train {

GradientSum::GradientSum(const std::vector<torch::Tensor>& parameters,
                         distributed::Communicator& communicator, int64_t bucket_bytes)
    : parameters_(parameters),
      communicator_(communicator),
      bucket_of_(parameters.size()),
      offset_(parameters.size()),
      arrived_(parameters.size(), false) {
  // Buckets from the last parameter back; sizes first, buffers once they are known.
  std::vector<int64_t> bucket_elements;
  int64_t bytes = bucket_bytes;  // so that the first parameter opens a bucket
  for (size_t k = parameters_.size(); k-- > 0;) {
    const torch::Tensor& p = parameters_[k];
    if (bytes >= bucket_bytes) {
      bucket_elements.push_back(0);
      buckets_.emplace_back();
      bytes = 0;
    }
    bucket_of_[k] = buckets_.size() - 1;
    offset_[k] = bucket_elements.back();
    bucket_elements.back() += p.numel();
    buckets_.back().members += 1;
    bytes += p.numel() * static_cast<int64_t>(p.element_size());
  }
  for (size_t b = 0; b < buckets_.size(); ++b) {
    buckets_[b].flat =
        torch::zeros({bucket_elements[b]}, parameters_.front().options().requires_grad(false));
  }
  hooks_.reserve(parameters_.size());
  for (size_t k = 0; k < parameters_.size(); ++k) {
    hooks_.push_back(parameters_[k].register_hook(
        [this, k](const torch::Tensor& gradient) { OnGradient(k, gradient); }));
  }
}

GradientSum::~GradientSum() {
  for (size_t k = 0; k < parameters_.size(); ++k) parameters_[k].remove_hook(hooks_[k]);
}

void GradientSum::OnGradient(size_t parameter, const torch::Tensor& gradient) {
  if (!error_.ok()) return;
  if (arrived_[parameter]) {
    error_ = absl::InternalError(absl::StrCat(
        "trainable parameter ", parameter,
        " got two gradients in one backward: a parameter used twice cannot be summed by bucket"));
    return;
  }
  arrived_[parameter] = true;
  Bucket& bucket = buckets_[bucket_of_[parameter]];
  torch::NoGradGuard no_grad;
  bucket.flat.narrow(0, offset_[parameter], gradient.numel()).copy_(gradient.reshape(-1));
  if (++bucket.arrived == bucket.members) StartFullBuckets();
}

void GradientSum::StartFullBuckets() {
  while (next_to_start_ < buckets_.size() &&
         buckets_[next_to_start_].arrived == buckets_[next_to_start_].members) {
    Start(buckets_[next_to_start_++]);
  }
}

void GradientSum::Start(Bucket& bucket) {
  if (!error_.ok()) return;
  absl::StatusOr<distributed::Communicator::PendingSum> pending =
      communicator_.StartAllReduceSum(bucket.flat, "the gradients");
  if (pending.ok()) {
    bucket.pending.emplace(*std::move(pending));
  } else {
    error_ = pending.status();
  }
}

absl::Status GradientSum::Finish() {
  torch::NoGradGuard no_grad;
  // What backward left out counts as zeros; then every bucket not yet started, in order.
  for (size_t k = 0; k < parameters_.size(); ++k) {
    Bucket& bucket = buckets_[bucket_of_[k]];
    if (arrived_[k] || bucket.pending.has_value()) continue;
    bucket.flat.narrow(0, offset_[k], parameters_[k].numel()).zero_();
    arrived_[k] = true;
    ++bucket.arrived;
  }
  StartFullBuckets();
  absl::Status status = error_;
  for (Bucket& bucket : buckets_) {
    if (bucket.pending.has_value()) {
      const absl::Status waited = bucket.pending->Wait();
      if (status.ok()) status = waited;
    }
    bucket.pending.reset();
    bucket.arrived = 0;
  }
  for (size_t k = 0; k < parameters_.size(); ++k) {
    const torch::Tensor& p = parameters_[k];
    p.mutable_grad() = buckets_[bucket_of_[k]].flat.narrow(0, offset_[k], p.numel()).view_as(p);
    arrived_[k] = false;
  }
  next_to_start_ = 0;
  error_ = absl::OkStatus();
  return status;
}

}  // namespace mammo::train
