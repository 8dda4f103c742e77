#include "train/train_options.hpp"

#include "train/option_checks.hpp"

namespace relunet {

nlohmann::json to_json(const TrainOptions& o) {
  return {{"model", o.model},
          {"epochs", o.epochs},
          {"batch", o.batch},
          {"schedule",
           {{"kind", to_string(o.schedule.kind)},
            {"lr", o.schedule.lr},
            {"warmup", o.schedule.warmup},
            {"gamma", o.schedule.gamma},
            {"step_epochs", o.schedule.step_epochs},
            {"div", o.schedule.div},
            {"final", o.schedule.final}}},
          {"sgd",
           {{"momentum", o.sgd.momentum},
            {"nesterov", o.sgd.nesterov},
            {"weight_decay", o.sgd.weight_decay},
            {"decay_mode", o.sgd.decay_mode == DecayMode::L2 ? "l2" : "decoupled"},
            {"bias", {{"lr_scale", o.sgd.bias.lr_scale}, {"decay", o.sgd.bias.decay}}},
            {"norm", {{"lr_scale", o.sgd.norm.lr_scale}, {"decay", o.sgd.norm.decay}}}}},
          {"average",
           {{"kind", to_string(o.average.kind)},
            {"every", o.average.every},
            {"decay", o.average.decay},
            {"ramp", o.average.ramp},
            {"start_epoch", o.average.start_epoch}}},
          {"label_smoothing", o.label_smoothing},
          {"activation", o.activation ? to_string(*o.activation) : ""},
          {"seed", o.seed},
          {"time_budget_minutes", o.time_budget_minutes},
          {"val_size", o.val_size},
          {"tta", to_string(o.tta)},
          {"crop_pad", o.augment.crop_pad},
          {"crop_fill", to_string(o.augment.crop_fill)},
          {"flip", o.augment.flip},
          {"flip_mode", to_string(o.augment.flip_mode)},
          {"cutout", o.augment.cutout},
          {"unit_stats", o.unit_stats},
          {"gradient_stats", o.gradient_stats},
          {"near_dead", o.near_dead},
          {"stop_at_train_accuracy", o.stop_at_train_accuracy},
          {"init_from", o.init_from},
          {"freeze_before", o.freeze_before}};
}

TrainOptions train_options_from_json(const nlohmann::json& j) {
  TrainOptions o;
  o.model = j.at("model");
  o.epochs = j.at("epochs");
  o.batch = j.at("batch");
  const auto& s = j.at("schedule");
  o.schedule.kind = parse_schedule(s.at("kind"));
  o.schedule.lr = s.at("lr");
  o.schedule.warmup = s.at("warmup");
  o.schedule.gamma = s.at("gamma");
  o.schedule.step_epochs = s.at("step_epochs");
  o.schedule.div = s.at("div");
  o.schedule.final = s.at("final");
  const auto& g = j.at("sgd");
  o.sgd.momentum = g.at("momentum");
  o.sgd.nesterov = g.at("nesterov");
  o.sgd.weight_decay = g.at("weight_decay");
  o.sgd.decay_mode = parse_decay_mode(g.at("decay_mode"));
  // Checkpoints written before parameter groups existed lack them: the defaults are what they had.
  const auto group = [&](const char* key, GroupOptions& out) {
    if (!g.contains(key)) return;
    out.lr_scale = g[key].at("lr_scale");
    out.decay = g[key].at("decay");
  };
  group("bias", o.sgd.bias);
  group("norm", o.sgd.norm);
  if (j.contains("average")) {  // absent in checkpoints written before weight averages
    const auto& a = j["average"];
    o.average.kind = parse_average_kind(a.at("kind"));
    o.average.every = a.at("every");
    o.average.decay = a.at("decay");
    o.average.ramp = a.at("ramp");
    o.average.start_epoch = a.at("start_epoch");
  }
  o.label_smoothing = j.at("label_smoothing");
  const std::string act = j.at("activation");
  if (!act.empty()) o.activation = parse_activation(act);
  o.seed = j.at("seed");
  o.time_budget_minutes = j.at("time_budget_minutes");
  o.val_size = j.at("val_size");
  o.tta = parse_tta(j.value("tta", "none"));  // absent before test-time augmentation existed
  o.augment.crop_pad = j.at("crop_pad");
  o.augment.flip = j.at("flip");
  // Checkpoints written before these options existed padded with zeros and flipped at random.
  o.augment.crop_fill = parse_crop_fill(j.value("crop_fill", "zero"));
  o.augment.flip_mode = parse_flip_mode(j.value("flip_mode", "random"));
  o.augment.cutout = j.value("cutout", 0);  // absent before cutout existed
  o.unit_stats = j.at("unit_stats");
  o.near_dead = j.at("near_dead");
  o.gradient_stats = j.value("gradient_stats", true);  // absent before gradient statistics existed
  // Checkpoints written before the option existed (such as models/default.ckpt) lack it.
  o.stop_at_train_accuracy = j.value("stop_at_train_accuracy", 0.0);
  o.init_from = j.value("init_from", "");
  o.freeze_before = j.value("freeze_before", "");
  validate(o);  // as strictly as the command line
  return o;
}

}  // namespace relunet
